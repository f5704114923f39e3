/// Parses the lines of one format into field slots.
///
/// Classes: a reader holds its parser as `any LineParser`, and a call through that existential
/// to a struct's `parse` either copies the struct out of its box (non-mutating) or checks the
/// box's uniqueness and projects it (mutating), on every line.
protocol LineParser: AnyObject {
    var format: LogFormat { get }
    func parse(_ line: UnsafeRawBufferPointer, into slots: FieldSlots) -> LineVerdict
}
