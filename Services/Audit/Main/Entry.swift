@main
struct Entry {
    static func main() async throws {
        print("hromada-audit: not built yet")
    }
}
