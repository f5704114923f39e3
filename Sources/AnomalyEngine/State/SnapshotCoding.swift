import LogwatchCore

/// A compact binary form for the engine's state: LEB128 varints (zigzag for signed values),
/// doubles as their bit patterns, strings as length and UTF-8. Hand-written because the state
/// is large (one record per tracked key) and saved every second in live mode.
struct SnapshotWriter {
    private(set) var bytes: [UInt8] = []
    /// Where the bytes divide into segments that change independently (a page of one keyed
    /// store's slots), each with a label that is the same in every snapshot of an engine of
    /// the same configuration and grows along the bytes: a store saves only the segments
    /// that changed since its last save. The bytes before the first cut are label 0.
    private(set) var cuts: [SnapshotCut] = []
    /// Keyed stores written so far, to label their segments.
    private var stores: UInt64 = 0

    init(reservingCapacity n: Int = 4096) { bytes.reserveCapacity(n) }

    /// The next keyed store's number (from 1), for its segments' labels.
    mutating func beginStore() -> UInt64 {
        stores += 1
        return stores
    }

    /// Starts a segment here.
    mutating func cut(_ label: UInt64) {
        cuts.append(SnapshotCut(offset: bytes.count, label: label))
    }

    mutating func uint(_ v: UInt64) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func int(_ v: Int64) { uint(UInt64(bitPattern: (v << 1) ^ (v >> 63))) }
    mutating func int(_ v: Int) { int(Int64(v)) }
    mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    mutating func double(_ v: Double) { uint(v.bitPattern) }

    mutating func string(_ s: String) {
        let utf8 = s.utf8
        uint(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    /// A nested section, length-prefixed so a reader can skip it.
    mutating func section(_ body: (inout SnapshotWriter) -> Void) {
        var inner = SnapshotWriter(reservingCapacity: 256)
        inner.stores = stores
        body(&inner)
        stores = inner.stores
        uint(UInt64(inner.bytes.count))
        let base = bytes.count
        bytes.append(contentsOf: inner.bytes)
        for c in inner.cuts { cuts.append(SnapshotCut(offset: base + c.offset, label: c.label)) }
    }

    mutating func write<T: SnapshotCodable>(_ v: T) { v.write(to: &self) }

    mutating func optional<T>(_ v: T?, _ body: (inout SnapshotWriter, T) -> Void) {
        if let v { bool(true); body(&self, v) } else { bool(false) }
    }

    mutating func array<T>(_ items: [T], _ body: (inout SnapshotWriter, T) -> Void) {
        uint(UInt64(items.count))
        for item in items { body(&self, item) }
    }
}

/// Where a segment of a snapshot starts, and its label.
public struct SnapshotCut: Sendable, Equatable {
    public var offset: Int
    public var label: UInt64
}

/// Why a snapshot could not be read.
public struct SnapshotError: Error, CustomStringConvertible, Equatable {
    public var offset: Int
    public var reason: String
    public var description: String { "engine state damaged at byte \(offset): \(reason)" }
}

struct SnapshotReader {
    private let bytes: [UInt8]
    private(set) var position: Int
    private let limit: Int

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        position = 0
        limit = bytes.count
    }

    private init(_ bytes: [UInt8], position: Int, limit: Int) {
        self.bytes = bytes
        self.position = position
        self.limit = limit
    }

    var atEnd: Bool { position >= limit }

    func fail(_ reason: String) -> SnapshotError { SnapshotError(offset: position, reason: reason) }

    mutating func uint() throws(SnapshotError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < limit else { throw fail("ends inside a number") }
            let b = bytes[position]
            position += 1
            guard shift < 64 else { throw fail("number too long") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    mutating func int() throws(SnapshotError) -> Int64 {
        let u = try uint()
        return Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1)))
    }

    /// An event time or minute: within about 8,900 years of 1970, or a sentinel (Int64.min
    /// for "none yet", Int64.max for "no time kept"), so arithmetic on it cannot overflow.
    mutating func time() throws(SnapshotError) -> Int64 {
        let v = try int()
        guard v == .min || v == .max || v.magnitude <= 1 << 48 else { throw fail("time \(v) out of range") }
        return v
    }

    mutating func intValue() throws(SnapshotError) -> Int {
        let v = try int()
        guard let i = Int(exactly: v) else { throw fail("number out of range") }
        return i
    }

    /// A count of items that follow, each at least one byte long (so a damaged count cannot
    /// make the reader allocate more than the snapshot could hold).
    mutating func count() throws(SnapshotError) -> Int {
        let n = try uint()
        guard n <= UInt64(limit - position) else { throw fail("count \(n) larger than what follows") }
        return Int(n)
    }

    mutating func bool() throws(SnapshotError) -> Bool {
        guard position < limit else { throw fail("ends inside a flag") }
        let b = bytes[position]
        position += 1
        guard b <= 1 else { throw fail("flag is \(b)") }
        return b == 1
    }

    mutating func double() throws(SnapshotError) -> Double { Double(bitPattern: try uint()) }

    mutating func string() throws(SnapshotError) -> String {
        let n = try count()
        defer { position += n }
        return String(decoding: bytes[position..<position + n], as: UTF8.self)
    }

    /// Reads a section written by `SnapshotWriter.section`; the reader passed to `body` sees
    /// only the section's bytes, and what `body` leaves unread is skipped.
    mutating func section<T>(_ body: (inout SnapshotReader) throws(SnapshotError) -> T) throws(SnapshotError) -> T {
        let n = try count()
        var inner = SnapshotReader(bytes, position: position, limit: position + n)
        let value = try body(&inner)
        position += n
        return value
    }

    mutating func read<T: SnapshotCodable>(_: T.Type = T.self) throws(SnapshotError) -> T { try T(from: &self) }

    mutating func optional<T>(_ body: (inout SnapshotReader) throws(SnapshotError) -> T) throws(SnapshotError) -> T? {
        try bool() ? try body(&self) : nil
    }

    mutating func array<T>(_ body: (inout SnapshotReader) throws(SnapshotError) -> T) throws(SnapshotError) -> [T] {
        let n = try count()
        var items: [T] = []
        items.reserveCapacity(n)
        for _ in 0..<n { items.append(try body(&self)) }
        return items
    }

    mutating func rawEnum<T: RawRepresentable>(_: T.Type) throws(SnapshotError) -> T where T.RawValue == String {
        let raw = try string()
        guard let v = T(rawValue: raw) else { throw fail("unknown value \(raw)") }
        return v
    }
}

/// A value the engine's state is made of.
protocol SnapshotCodable {
    func write(to w: inout SnapshotWriter)
    init(from r: inout SnapshotReader) throws(SnapshotError)
}

extension String: SnapshotCodable {
    func write(to w: inout SnapshotWriter) { w.string(self) }
    init(from r: inout SnapshotReader) throws(SnapshotError) { self = try r.string() }
}

extension IPAddress: SnapshotCodable {
    func write(to w: inout SnapshotWriter) { w.uint(high); w.uint(low) }
    init(from r: inout SnapshotReader) throws(SnapshotError) { self.init(high: try r.uint(), low: try r.uint()) }
}

extension Origin: SnapshotCodable {
    func write(to w: inout SnapshotWriter) { w.int(Int64(input)); w.int(line) }
    init(from r: inout SnapshotReader) throws(SnapshotError) {
        let input = try r.int()
        guard let i = Int32(exactly: input) else { throw r.fail("input index out of range") }
        self.init(input: i, line: try r.int())
    }
}

extension AlertKey: SnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        w.optional(principal) { $0.string($1) }
        w.optional(sourceIP) { $0.write($1) }
    }

    init(from r: inout SnapshotReader) throws(SnapshotError) {
        self.init(principal: try r.optional { r throws(SnapshotError) in try r.string() },
                  sourceIP: try r.optional { r throws(SnapshotError) in try r.read(IPAddress.self) })
    }
}

extension Array: SnapshotCodable where Element: SnapshotCodable {
    func write(to w: inout SnapshotWriter) { w.array(self) { $0.write($1) } }
    init(from r: inout SnapshotReader) throws(SnapshotError) { self = try r.array { r throws(SnapshotError) in try r.read(Element.self) } }
}
