@main
struct Entry {
    static func main() async throws {
        print("hromada-routing: not built yet")
    }
}
