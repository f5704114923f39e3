import Foundation

/// Where a network sink sends: an http or https URL with a host. The one check of sink URLs,
/// for the configuration file, the command line and the resolved references alike.
public enum SinkURL {
    /// The URL, when `text` is an http or https URL with a host.
    public static func parse(_ text: String) -> URL? {
        guard let u = URL(string: text), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else { return nil }
        return u
    }

    /// Whether `text` is a reference (`env:NAME`, `file:PATH`) resolved only when used.
    public static func isReference(_ text: String) -> Bool { text.hasPrefix("env:") || text.hasPrefix("file:") }
}
