import Foundation

extension HeadlessBrowser {
    /// Makes the page `width` CSS pixels wide (and `height` high); narrower than 600 px it is a phone.
    public func emulate(width: Int, height: Int = 900) throws {
        try call(
            "Emulation.setDeviceMetricsOverride",
            ["width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600])
    }

    /// Screenshots `<name>-1280` and `<name>-390`, the desktop's and the phone's width every page
    /// is checked at, and gives the page back its own width.
    public func screenshotsAtBothWidths(_ name: String) throws {
        for width in [1280, 390] {
            try emulate(width: width)
            try screenshot("\(name)-\(width)")
        }
        try call("Emulation.clearDeviceMetricsOverride")
    }
}
