/// Input names by input number, for the evidence of alerts. Numbers come from the position
/// on the command line, or, with a state directory, from the names registered there (stable
/// across runs, since the engine's saved state refers to them).
public final class InputNames {
    private var names: [Int32: String] = [:]

    public init(_ list: [String]) {
        for (i, name) in list.enumerated() { names[Int32(i)] = name }
    }

    public init(_ map: [Int32: String]) { names = map }

    public subscript(index: Int32) -> String {
        get { names[index] ?? "input \(index)" }
        set { names[index] = newValue }
    }
}
