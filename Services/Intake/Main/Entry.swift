@main
struct Entry {
    static func main() async throws {
        print("hromada-intake: not built yet")
    }
}
