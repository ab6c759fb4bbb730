@main
struct Entry {
    static func main() async throws {
        print("hromada-notification: not built yet")
    }
}
