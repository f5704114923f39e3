import LogwatchCore

/// How a run ended when not with status 0. Every command maps its failures here, in one
/// place: 1 when `--fail-on-alert` was asked for and an incident fired, 2 for an input,
/// configuration or state error (reported on standard error before the run ends).
public struct RunExit: Error, Equatable, Sendable {
    public let status: Int32

    /// An incident fired and the command was asked to fail on alerts.
    public static let alertsFired = RunExit(status: 1)
    /// An input, configuration or state error, already reported.
    public static let failed = RunExit(status: 2)

    /// Reports `error` on standard error (`logwatch: ` and its description) and ends the run
    /// with status 2.
    public static func reporting(_ error: any Error) -> RunExit {
        printError("logwatch: \(error)")
        return .failed
    }
}
