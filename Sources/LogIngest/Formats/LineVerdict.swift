/// What a parser made of one line.
enum LineVerdict: Equatable {
    /// The slots hold one event's fields.
    case fields
    /// A header, directive, comment or blank line: no event, not an error.
    case skip
    /// The record continues on the next line (a quoted CSV field holding a newline).
    case needMore
    /// The line is not in this format; the reason is shown to the user.
    case malformed(String)
}
