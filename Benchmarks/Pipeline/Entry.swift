@main
struct Entry {
    static func main() async throws { print("hromada-bench: not built yet") }
}
