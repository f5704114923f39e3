/// How alerts are printed.
public enum AlertFormat: String, CaseIterable, Sendable {
    case json, text
}
