@main
struct Entry {
    static func main() async throws { print("hromadactl: not built yet") }
}
