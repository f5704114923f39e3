/// The formats logwatch reads.
public enum LogFormat: String, CaseIterable, Sendable {
    case auto
    case combined
    case common
    case json
    case servicenowCSV = "servicenow-csv"
    case servicenowXML = "servicenow-xml"
    case w3c
}
