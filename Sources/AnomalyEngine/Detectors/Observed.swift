import LogwatchCore

/// The part of an event that the detectors read.
struct Observed {
    let time: Int64
    let sourceIP: IPAddress?
    let principal: String?
    let outcome: Outcome
    let origin: Origin
}
