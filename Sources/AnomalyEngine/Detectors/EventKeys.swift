import LogwatchCore

/// The minute an event-time instant falls in (minutes since the epoch, rounding down for
/// times before it).
@inline(__always)
func minuteOf(_ time: Int64) -> Int64 {
    time >= 0 ? time / 60_000 : -((-time + 59_999) / 60_000)
}

/// A stable 64-bit hash for counting distinct values without keeping them.
func stableHash(_ s: String) -> UInt64 { StableHash.of(s) }

func stableHash(_ ip: IPAddress) -> UInt64 {
    (ip.high &* 0x9E37_79B9_7F4A_7C15) ^ ip.low
}
