#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LogwatchCore

/// One JSON object per line. Fields are found by dotted path through `JSONFieldMap`; values of
/// other keys are checked for syntax but never copied.
final class JSONLineParser: LineParser {
    var format: LogFormat { .json }
    let map: JSONFieldMap
    /// Nesting beyond this is refused as malformed (the container stack holds this many).
    static let maxDepth = 64
    static let maxErrorTextBytes = 4096
    /// The dotted path of the value being read (`http.response.status_code`).
    private let path = PathBuffer()
    /// The last line's lookups, by their order in the line.
    private let lookups = LookupsByPosition()

    init(map: JSONFieldMap) {
        self.map = map
    }

    private struct SyntaxError: Error { let reason: String }

    /// One open object or array: where the path stood when it opened, and whether its values
    /// are inside an array (never taken as fields).
    struct Frame {
        let isArray: Bool
        let pathLength: Int
        let inArray: Bool
    }

    /// The open containers, outermost first (reused from line to line).
    private let frames = FrameStack(capacity: JSONLineParser.maxDepth)

    /// Parses the line in one loop over its bytes, with the nesting on `frames` rather than
    /// on the call stack: no recursion, and the position stays in a register.
    func parse(_ line: UnsafeRawBufferPointer, into slots: FieldSlots) -> LineVerdict {
        let n = line.count
        var i = 0
        @inline(__always) func skipWhitespace() {
            // Most JSON logs are compact: one test for "no whitespace here".
            if i < n && line[i] > 0x20 { return }
            while i < n {
                let b = line[i]
                guard b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D else { return }
                i += 1
            }
        }
        skipWhitespace()
        if i == n { return .skip }
        guard line[i] == UInt8(ascii: "{") else { return .malformed("not a JSON object") }
        path.count = 0
        frames.count = 0
        // The innermost container, also kept here (not only on the stack) for the loop to read.
        var top = Frame(isArray: false, pathLength: 0, inArray: false)
        frames.push(top)
        /// Closes the innermost container; true when it was the outermost object.
        @inline(__always) func close() -> Bool {
            path.count = top.pathLength
            frames.count -= 1
            if frames.count == 0 { return true }
            top = frames.top
            return false
        }
        i += 1
        var c = ByteCursor(line)
        var ordinal = 0
        do throws(SyntaxError) {
            // One member (key, value, then its comma or the closes after it) per turn. Whether a
            // key comes is whether the innermost container is an object; whether a close may
            // come instead is `mayClose` (right after an open, not after a comma). Conditional
            // branches only: a dispatch on a state variable compiles to an indirect jump, which
            // the branch predictor serves badly.
            var mayClose = true
            member: while true {
                skipWhitespace()
                let inObject = !top.isArray
                if mayClose && i < n && line[i] == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    // An empty object or array closes where its first key or value would be.
                    i += 1
                    if close() { break member }
                } else {
                    if inObject {
                        guard i < n, line[i] == UInt8(ascii: "\"") else { throw SyntaxError(reason: "expected a key at byte \(i + 1)") }
                        path.count = top.pathLength
                        if path.count > 0 { path.append(UInt8(ascii: ".")) }
                        let keyStart = path.count
                        if let end = path.appendKey(line, from: i + 1) {
                            i = end + 1
                        } else {
                            // An escape, or near the end of the line: the general reader.
                            path.count = keyStart
                            c.index = i
                            try readString(&c, into: .key, slots: slots)
                            i = c.index
                        }
                        skipWhitespace()
                        guard i < n, line[i] == UInt8(ascii: ":") else { throw SyntaxError(reason: "expected ':' at byte \(i + 1)") }
                        i += 1
                        skipWhitespace()
                    }
                    guard i < n else { throw SyntaxError(reason: "missing value") }
                    // Values in an array, or anywhere below one, are never fields.
                    let inArray = top.isArray || top.inArray
                    switch line[i] {
                    case UInt8(ascii: "{"), UInt8(ascii: "["):
                        guard frames.count < Self.maxDepth else { throw SyntaxError(reason: "nested deeper than \(Self.maxDepth) levels") }
                        let isArray = line[i] == UInt8(ascii: "[")
                        top = Frame(isArray: isArray, pathLength: path.count, inArray: inArray)
                        frames.push(top)
                        i += 1
                        mayClose = true
                        continue member
                    case UInt8(ascii: "\""):
                        let field = inArray ? nil : lookups.entry(path.bytes, ordinal: &ordinal, map: map).flatMap { accepts($0, slots) ? $0 : nil }
                        // Without escapes (the common case) the value is a view of the line.
                        let end = Self.quoteOrBackslash(line, from: i + 1)
                        if end < n && line[end] == UInt8(ascii: "\"") {
                            if let entry = field { storeString(entry, UnsafeRawBufferPointer(rebasing: line[(i + 1)..<end]), slots: slots) }
                            i = end + 1
                        } else {
                            c.index = i
                            try readString(&c, into: field.map { .field($0) } ?? .discard, slots: slots)
                            i = c.index
                        }
                    default:
                        let start = i
                        while i < n {
                            let b = line[i]
                            guard (b >= 0x30 && b <= 0x39) || b == UInt8(ascii: "-") || b == UInt8(ascii: "+") || b == UInt8(ascii: ".")
                                || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || (b >= 0x61 && b <= 0x7A) else { break }
                            i += 1
                        }
                        let literal = UnsafeRawBufferPointer(rebasing: line[start..<i])
                        guard !literal.isEmpty else { throw SyntaxError(reason: "unexpected character at byte \(start + 1)") }
                        let first = literal[0]
                        var isNull = false
                        if first >= 0x61 && first <= 0x7A {
                            guard CombinedLogParser.equals(literal, "true") || CombinedLogParser.equals(literal, "false") || CombinedLogParser.equals(literal, "null") else {
                                throw SyntaxError(reason: "invalid literal at byte \(start + 1)")
                            }
                            isNull = first == UInt8(ascii: "n")
                        }
                        if !isNull && !inArray, let entry = lookups.entry(path.bytes, ordinal: &ordinal, map: map), accepts(entry, slots) {
                            store(entry, literal, slots: slots)
                        }
                    }
                }
                // After a value: a comma (the next member), or closes.
                while true {
                    skipWhitespace()
                    let isArray = top.isArray
                    guard i < n else { throw SyntaxError(reason: isArray ? "unterminated array" : "unterminated object") }
                    if line[i] == UInt8(ascii: ",") {
                        i += 1
                        mayClose = false
                        continue member
                    }
                    guard line[i] == (isArray ? UInt8(ascii: "]") : UInt8(ascii: "}")) else {
                        throw SyntaxError(reason: isArray ? "expected ',' or ']' at byte \(i + 1)" : "expected ',' or '}' at byte \(i + 1)")
                    }
                    i += 1
                    if close() { break member }
                }
            }
            skipWhitespace()
            guard i == n else { return .malformed("text after the JSON object at byte \(i + 1)") }
        } catch {
            return .malformed(error.reason)
        }
        return .fields
    }

    private func accepts(_ entry: JSONFieldMap.Entry, _ slots: FieldSlots) -> Bool {
        if slots.ignores(entry.role) {
            slots.mentionedUnread |= 1 << entry.role.rawValue
            return false
        }
        return entry.role == .errorText || slots.wants(entry.role, rank: entry.rank)
    }

    private func store(_ entry: JSONFieldMap.Entry, _ value: UnsafeRawBufferPointer, slots: FieldSlots) {
        if entry.role == .errorText && slots.has(.errorText) {
            // Error texts accumulate: a code in one field, a description in another.
            guard slots.count(.errorText) < Self.maxErrorTextBytes else { return }
            slots.append(.errorText, UInt8(ascii: " "))
            slots.append(.errorText, value)
            return
        }
        slots.set(entry.role, value, rank: entry.rank)
        if entry.role == .duration { slots.durationUnit = entry.unit }
    }

    /// Keeps a string value without escapes (a view of the line) for a mapped field; error
    /// texts after the first are appended to it.
    @inline(__always)
    private func storeString(_ entry: JSONFieldMap.Entry, _ run: UnsafeRawBufferPointer, slots: FieldSlots) {
        if entry.role == .errorText && slots.has(.errorText) {
            slots.append(.errorText, UInt8(ascii: " "))
            slots.append(.errorText, run)
        } else {
            slots.set(entry.role, run, rank: entry.rank)
            if entry.role == .duration { slots.durationUnit = entry.unit }
        }
    }

    private enum StringTarget {
        case key
        case field(JSONFieldMap.Entry)
        case discard
    }

    /// Reads a string at the cursor (which is on its opening quote), unescaping it into the
    /// key path or a field slot, or only checking it.
    @inline(__always)
    private func readString(_ c: inout ByteCursor, into target: StringTarget, slots: FieldSlots) throws(SyntaxError) {
        let bytes = c.bytes
        // The common case, a string without escapes: find its end eight bytes at a time and
        // take it as a view of the line.
        let end = Self.quoteOrBackslash(bytes, from: c.index + 1)
        guard end < bytes.count else { throw SyntaxError(reason: "unterminated string") }
        if bytes[end] == UInt8(ascii: "\"") {
            let run = UnsafeRawBufferPointer(rebasing: bytes[(c.index + 1)..<end])
            c.index = end + 1
            switch target {
            case .key: path.append(run)
            case .field(let entry): storeString(entry, run, slots: slots)
            case .discard: break
            }
            return
        }
        try readEscapedString(&c, into: target, slots: slots)
    }

    /// `readString` for a string with escapes.
    private func readEscapedString(_ c: inout ByteCursor, into target: StringTarget, slots: FieldSlots) throws(SyntaxError) {
        c.index += 1
        let bytes = c.bytes
        var role: FieldRole? = nil
        if case .field(let entry) = target {
            if entry.role == .errorText && slots.has(.errorText) {
                slots.append(.errorText, UInt8(ascii: " "))
            } else {
                slots.begin(entry.role, rank: entry.rank)
                if entry.role == .duration { slots.durationUnit = entry.unit }
            }
            role = entry.role
        }
        var runStart = c.index
        func flush(_ end: Int, _ parser: JSONLineParser, _ slots: FieldSlots) {
            guard end > runStart else { return }
            let run = UnsafeRawBufferPointer(rebasing: bytes[runStart..<end])
            switch target {
            case .key: parser.path.append(run)
            case .field: slots.append(role!, run)
            case .discard: break
            }
        }
        func emit(_ scalar: UInt32, _ parser: JSONLineParser, _ slots: FieldSlots) {
            var utf8 = [UInt8]()
            let s = Unicode.Scalar(scalar) ?? "\u{FFFD}"
            utf8.append(contentsOf: String(Character(s)).utf8)
            switch target {
            case .key: utf8.withUnsafeBytes { parser.path.append($0) }
            case .field: for b in utf8 { slots.append(role!, b) }
            case .discard: break
            }
        }
        while c.index < bytes.count {
            let b = bytes[c.index]
            if b == UInt8(ascii: "\"") {
                flush(c.index, self, slots)
                c.index += 1
                return
            }
            if b != UInt8(ascii: "\\") { c.index += 1; continue }
            flush(c.index, self, slots)
            guard c.index + 1 < bytes.count else { break }
            let e = bytes[c.index + 1]
            c.index += 2
            switch e {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): emit(UInt32(e), self, slots)
            case UInt8(ascii: "b"): emit(8, self, slots)
            case UInt8(ascii: "f"): emit(12, self, slots)
            case UInt8(ascii: "n"): emit(10, self, slots)
            case UInt8(ascii: "r"): emit(13, self, slots)
            case UInt8(ascii: "t"): emit(9, self, slots)
            case UInt8(ascii: "u"):
                guard let high = hex4(bytes, c.index) else { throw SyntaxError(reason: "invalid \\u escape at byte \(c.index - 1)") }
                c.index += 4
                var scalar = UInt32(high)
                if high >= 0xD800 && high <= 0xDBFF {
                    // A surrogate pair, or a lone high surrogate (kept as U+FFFD).
                    if c.index + 6 <= bytes.count && bytes[c.index] == UInt8(ascii: "\\") && bytes[c.index + 1] == UInt8(ascii: "u"),
                       let low = hex4(bytes, c.index + 2), low >= 0xDC00 && low <= 0xDFFF {
                        scalar = 0x10000 + ((UInt32(high) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                        c.index += 6
                    } else {
                        scalar = 0xFFFD
                    }
                } else if high >= 0xDC00 && high <= 0xDFFF {
                    scalar = 0xFFFD
                }
                emit(scalar, self, slots)
            default:
                throw SyntaxError(reason: "invalid escape '\\\(Character(Unicode.Scalar(e)))' at byte \(c.index - 1)")
            }
            runStart = c.index
        }
        throw SyntaxError(reason: "unterminated string")
    }

    /// The index of the first `"` or `\\` at or after `from`, or `bytes.count`.
    @inline(__always)
    private static func quoteOrBackslash(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int {
        var i = from
        while i + 8 <= bytes.count {
            let w = bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            let hits = ByteCursor.bytesEqual(w, UInt8(ascii: "\"")) | ByteCursor.bytesEqual(w, UInt8(ascii: "\\"))
            if hits != 0 { return i + hits.littleEndian.trailingZeroBitCount / 8 }
            i += 8
        }
        while i < bytes.count && bytes[i] != UInt8(ascii: "\"") && bytes[i] != UInt8(ascii: "\\") { i += 1 }
        return i
    }

    private func hex4(_ bytes: UnsafeRawBufferPointer, _ at: Int) -> UInt16? {
        guard at + 4 <= bytes.count else { return nil }
        var v: UInt16 = 0
        for i in at..<(at + 4) {
            guard let h = IPAddress.hexValue(bytes[i]) else { return nil }
            v = v << 4 | UInt16(h)
        }
        return v
    }
}

/// A growable byte buffer for the key path, reused from line to line.
final class PathBuffer {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int
    var count = 0

    init(capacity: Int = 256) {
        self.capacity = capacity
        storage = .allocate(byteCount: capacity, alignment: 1)
    }

    deinit { storage.deallocate() }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: storage, count: count) }

    /// Appends the key that starts at `from` in `line` (after its opening quote), copying and
    /// looking for its closing quote eight bytes at a time; returns the closing quote's index.
    /// Nil, with bytes appended that the caller must cut, when the key holds an escape or ends
    /// within the last eight bytes of the line.
    @inline(__always)
    func appendKey(_ line: UnsafeRawBufferPointer, from: Int) -> Int? {
        var j = from
        while j + 8 <= line.count {
            if count + 8 > capacity { grow(to: count + 8) }
            let w = line.loadUnaligned(fromByteOffset: j, as: UInt64.self)
            // Stored whole; only the bytes before the quote are counted.
            storage.storeBytes(of: w, toByteOffset: count, as: UInt64.self)
            let hits = ByteCursor.bytesEqual(w, UInt8(ascii: "\"")) | ByteCursor.bytesEqual(w, UInt8(ascii: "\\"))
            if hits != 0 {
                let k = hits.littleEndian.trailingZeroBitCount / 8
                count += k
                return line[j + k] == UInt8(ascii: "\"") ? j + k : nil
            }
            count += 8
            j += 8
        }
        return nil
    }

    @inline(__always)
    func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        storage.storeBytes(of: byte, toByteOffset: count, as: UInt8.self)
        count += 1
    }

    @inline(__always)
    func append(_ run: UnsafeRawBufferPointer) {
        guard !run.isEmpty else { return }
        if count + run.count > capacity { grow(to: count + run.count) }
        (storage + count).copyMemory(from: run.baseAddress!, byteCount: run.count)
        count += run.count
    }

    func grow(to needed: Int) {
        var grown = capacity * 2
        while grown < needed { grown *= 2 }
        let bigger = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 1)
        bigger.copyMemory(from: storage, byteCount: count)
        storage.deallocate()
        storage = bigger
        capacity = grown
    }
}

/// The field-map lookups of the last line, by their order in it: lines of one log share
/// their shape, so the n-th value's path is usually the n-th value's path of the line before,
/// and comparing it costs less than hashing it and probing the map.
final class LookupsByPosition {
    private static let positions = 32
    private static let pathBytes = 64
    private let paths: UnsafeMutableRawPointer
    private var lengths = [Int](repeating: -1, count: positions)
    private var entries = [JSONFieldMap.Entry?](repeating: nil, count: positions)

    init() {
        paths = .allocate(byteCount: Self.positions * Self.pathBytes, alignment: 8)
    }

    deinit { paths.deallocate() }

    /// The map's entry for `path`, the `ordinal`-th lookup of this line (which it advances).
    @inline(__always)
    func entry(_ path: UnsafeRawBufferPointer, ordinal: inout Int, map: JSONFieldMap) -> JSONFieldMap.Entry? {
        let k = ordinal
        ordinal += 1
        guard k < Self.positions, path.count <= Self.pathBytes, !path.isEmpty else { return map.lookup(path) }
        let stored = paths + k * Self.pathBytes
        if lengths[k] == path.count && ByteCursor.sameBytes(stored, path.baseAddress!, count: path.count) { return entries[k] }
        let found = map.lookup(path)
        stored.copyMemory(from: path.baseAddress!, byteCount: path.count)
        lengths[k] = path.count
        entries[k] = found
        return found
    }
}

/// A stack of at most `capacity` frames in storage allocated once (`JSONLineParser` checks the
/// depth before each push).
final class FrameStack {
    private let storage: UnsafeMutablePointer<JSONLineParser.Frame>
    private let capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = capacity
        storage = .allocate(capacity: capacity)
    }

    deinit { storage.deallocate() }

    @inline(__always)
    func push(_ frame: JSONLineParser.Frame) {
        precondition(count < capacity)
        (storage + count).initialize(to: frame)
        count += 1
    }

    /// The innermost frame; the stack is not empty.
    @inline(__always)
    var top: JSONLineParser.Frame { storage[count - 1] }
}
