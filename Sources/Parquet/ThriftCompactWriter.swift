/// The wire types of the Thrift compact protocol, as they appear in a field header's low nibble.
public enum CompactType: UInt8, Sendable {
    case boolTrue = 1, boolFalse = 2, i8 = 3, i16 = 4, i32 = 5, i64 = 6, double = 7, binary = 8
    case list = 9, set = 10, map = 11, structure = 12
}

/// A value that writes itself as a Thrift struct body (its fields, without the closing stop byte).
public protocol ThriftWritable {
    func write(to writer: inout CompactWriter)
}

/// Encodes Thrift structs in the compact protocol. Fields must be written in ascending id order: every
/// header is then the one-byte short form, the only form fastparquet understands.
public struct CompactWriter {
    public private(set) var bytes: [UInt8] = []
    private var lastFieldID: Int16 = 0

    public init() {}

    /// Encodes a whole struct, stop byte included.
    public static func encode(_ value: some ThriftWritable) -> [UInt8] {
        var writer = CompactWriter()
        value.write(to: &writer)
        writer.bytes.append(0)
        return writer.bytes
    }

    // MARK: fields

    public mutating func field(_ id: Int16, i32 value: Int32) {
        header(id, .i32)
        zigzag(Int64(value))
    }

    public mutating func field(_ id: Int16, i64 value: Int64) {
        header(id, .i64)
        zigzag(value)
    }

    public mutating func field(_ id: Int16, i16 value: Int16) {
        header(id, .i16)
        zigzag(Int64(value))
    }

    /// An i8 is one raw byte, not a varint.
    public mutating func field(_ id: Int16, i8 value: Int8) {
        header(id, .i8)
        bytes.append(UInt8(bitPattern: value))
    }

    /// A bool field carries its value in the header's type nibble.
    public mutating func field(_ id: Int16, bool value: Bool) {
        header(id, value ? .boolTrue : .boolFalse)
    }

    public mutating func field(_ id: Int16, binary value: [UInt8]) {
        header(id, .binary)
        varint(UInt64(value.count))
        bytes += value
    }

    public mutating func field(_ id: Int16, string value: String) {
        field(id, binary: Array(value.utf8))
    }

    public mutating func field(_ id: Int16, struct value: some ThriftWritable) {
        header(id, .structure)
        nested(value)
    }

    public mutating func field(_ id: Int16, list values: [some ThriftWritable]) {
        header(id, .list)
        listHeader(count: values.count, element: .structure)
        for value in values { nested(value) }
    }

    public mutating func field(_ id: Int16, i32List values: [Int32]) {
        header(id, .list)
        listHeader(count: values.count, element: .i32)
        for value in values { zigzag(Int64(value)) }
    }

    public mutating func field(_ id: Int16, stringList values: [String]) {
        header(id, .list)
        listHeader(count: values.count, element: .binary)
        for value in values {
            varint(UInt64(value.utf8.count))
            bytes += value.utf8
        }
    }

    // MARK: primitives

    private mutating func header(_ id: Int16, _ type: CompactType) {
        let delta = id - lastFieldID
        precondition(delta > 0 && delta <= 15, "Thrift fields must be written in ascending order, at most 15 apart")
        bytes.append(UInt8(delta) << 4 | type.rawValue)
        lastFieldID = id
    }

    /// A struct inside a struct or list: field ids restart at 0 and the outer one is restored after.
    private mutating func nested(_ value: some ThriftWritable) {
        let outer = lastFieldID
        lastFieldID = 0
        value.write(to: &self)
        bytes.append(0)
        lastFieldID = outer
    }

    private mutating func listHeader(count: Int, element: CompactType) {
        if count < 15 {
            bytes.append(UInt8(count) << 4 | element.rawValue)
        } else {
            bytes.append(0xF0 | element.rawValue)
            varint(UInt64(count))
        }
    }

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func zigzag(_ value: Int64) {
        varint(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }
}

/// An empty struct (StringType, MilliSeconds, TypeDefinedOrder): just the stop byte.
public struct EmptyStruct: ThriftWritable, Sendable {
    public init() {}
    public func write(to writer: inout CompactWriter) {}
}
