/// A Thrift value decoded without a schema: enough to read our footers and page headers back.
public indirect enum ThriftValue: Equatable, Sendable {
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case binary([UInt8])
    case list([ThriftValue])
    case structure([Int16: ThriftValue])

    public var int: Int64? { if case .int(let v) = self { v } else { nil } }
    public var bool: Bool? { if case .bool(let v) = self { v } else { nil } }
    public var binary: [UInt8]? { if case .binary(let v) = self { v } else { nil } }
    public var string: String? { binary.map { String(decoding: $0, as: UTF8.self) } }
    public var list: [ThriftValue]? { if case .list(let v) = self { v } else { nil } }
    public var fields: [Int16: ThriftValue]? { if case .structure(let v) = self { v } else { nil } }
}

public struct ThriftDecodingError: Error, CustomStringConvertible, Equatable {
    public var description: String
}

/// Decodes compact-protocol structs, short and long field headers alike, with every length checked
/// against the bytes that are there: a damaged footer is an error, never a crash.
public struct CompactReader {
    private let bytes: [UInt8]
    public private(set) var position: Int
    private let end: Int
    private var depth = 0

    public init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
        self.bytes = bytes
        self.position = start
        self.end = min(end ?? bytes.count, bytes.count)
    }

    /// Reads one struct (up to and including its stop byte) and returns its fields by id.
    public mutating func readStruct() throws(ThriftDecodingError) -> [Int16: ThriftValue] {
        depth += 1
        defer { depth -= 1 }
        guard depth < 64 else { throw ThriftDecodingError(description: "Thrift structs nested too deeply") }
        var fields = [Int16: ThriftValue]()
        var lastID: Int16 = 0
        while true {
            let header = try byte()
            if header == 0 { return fields }
            let typeID = header & 0x0F
            let delta = header >> 4
            let id: Int16
            if delta == 0 {
                let raw = try zigzag()
                guard let narrow = Int16(exactly: raw) else { throw ThriftDecodingError(description: "field id \(raw) out of range") }
                id = narrow
            } else {
                id = lastID &+ Int16(delta)
            }
            lastID = id
            fields[id] = try value(ofType: typeID, inField: true)
        }
    }

    private mutating func value(ofType typeID: UInt8, inField: Bool) throws(ThriftDecodingError) -> ThriftValue {
        guard let type = CompactType(rawValue: typeID) else { throw ThriftDecodingError(description: "unknown Thrift type \(typeID)") }
        switch type {
        case .boolTrue, .boolFalse:
            // In a field the header carries the value; as a list element it is one byte.
            if inField { return .bool(type == .boolTrue) }
            return .bool(try byte() == 1)
        case .i8: return .int(Int64(Int8(bitPattern: try byte())))
        case .i16, .i32, .i64: return .int(try zigzag())
        case .double:
            var raw: UInt64 = 0
            for shift in 0..<8 { raw |= UInt64(try byte()) << (8 * UInt64(shift)) }
            return .double(Double(bitPattern: raw))
        case .binary:
            let count = try length()
            defer { position += count }
            return .binary(Array(bytes[position..<position + count]))
        case .list, .set:
            let header = try byte()
            var count = Int(header >> 4)
            if count == 15 { count = try length(elementSize: 1) }
            var elements = [ThriftValue]()
            elements.reserveCapacity(count)
            for _ in 0..<count { elements.append(try value(ofType: header & 0x0F, inField: false)) }
            return .list(elements)
        case .map:
            throw ThriftDecodingError(description: "Thrift maps do not occur in Parquet metadata")
        case .structure:
            return .structure(try readStruct())
        }
    }

    private mutating func byte() throws(ThriftDecodingError) -> UInt8 {
        guard position < end else { throw ThriftDecodingError(description: "Thrift data ends early") }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func varint() throws(ThriftDecodingError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw ThriftDecodingError(description: "varint too long") }
            result |= UInt64(b & 0x7F) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
        }
    }

    private mutating func zigzag() throws(ThriftDecodingError) -> Int64 {
        let raw = try varint()
        return Int64(bitPattern: raw >> 1) ^ -Int64(bitPattern: raw & 1)
    }

    private mutating func length(elementSize: Int = 1) throws(ThriftDecodingError) -> Int {
        let raw = try varint()
        guard raw <= UInt64(end - position) / UInt64(elementSize) else { throw ThriftDecodingError(description: "Thrift length \(raw) exceeds the data") }
        return Int(raw)
    }
}
