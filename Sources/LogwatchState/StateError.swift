/// Why the state directory cannot be used. Always names the directory or file.
public struct StateError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
