/// The version of logwatch, for `--version`, the report and the `User-Agent` of deliveries.
public enum LogwatchVersion {
    public static let current = "0.1.0"
}
