import HromadaCtl

@main
struct Entry {
    static func main() async {
        await HromadactlCommand.main()
    }
}
