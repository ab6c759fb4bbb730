import Foundation

/// A `JSONEncoder` that writes every `UUID` lower-case, as the contract requires on the wire
/// ("identifiers are written lower-case everywhere"). Foundation's encoder writes `uuidString`,
/// which is upper-case; decoding accepts either case, so only encoding needs this.
///
/// Everything else is the plain `JSONEncoder`: set `outputFormatting` and the strategies as
/// usual (dates, data and keys keep working; nested values, arrays, dictionaries and optionals
/// are all covered). Use it wherever a service writes JSON (`ContractCoding.makeEncoder()` for
/// the contract's own settings, or `LowercaseUUIDJSONEncoder()` as a Hummingbird response
/// encoder).
open class LowercaseUUIDJSONEncoder: JSONEncoder, @unchecked Sendable {
    open override func encode<T: Encodable>(_ value: T) throws -> Data {
        try super.encode(LowercaseUUIDs(value))
    }
}

/// Encodes `value` with every UUID inside it written lower-case, under any encoder.
public struct LowercaseUUIDs<Value: Encodable>: Encodable {
    public let value: Value
    public init(_ value: Value) { self.value = value }

    public func encode(to encoder: any Encoder) throws {
        var container = LowercasingEncoder(base: encoder).singleValueContainer()
        try container.encode(value)
    }
}

/// How one value is written by the forwarding containers below.
private enum Lowercasing {
    /// Values the underlying encoder must see as they are, so its own strategies apply (dates,
    /// data, URLs, decimals) or because they cannot hold a UUID (strings, numbers, booleans).
    static func isLeaf(_ value: Any) -> Bool {
        switch value {
        case is String, is Bool, is Double, is Float, is Int, is Int8, is Int16, is Int32, is Int64,
            is UInt, is UInt8, is UInt16, is UInt32, is UInt64, is Date, is Data, is URL, is Decimal:
            true
        default:
            false
        }
    }
}

/// Hands out containers that forward to `base`'s, lower-casing UUIDs on the way.
private struct LowercasingEncoder: Encoder {
    let base: any Encoder
    var codingPath: [any CodingKey] { base.codingPath }
    var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(KeyedLowercasing(base: base.container(keyedBy: type)))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedLowercasing(base: base.unkeyedContainer())
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        SingleValueLowercasing(base: base.singleValueContainer(), encoder: base)
    }
}

private struct KeyedLowercasing<Key: CodingKey>: KeyedEncodingContainerProtocol {
    var base: KeyedEncodingContainer<Key>
    var codingPath: [any CodingKey] { base.codingPath }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        if let uuid = value as? UUID {
            try base.encode(uuid.uuidString.lowercased(), forKey: key)
        } else if Lowercasing.isLeaf(value) {
            try base.encode(value, forKey: key)
        } else {
            try value.encode(to: LowercasingEncoder(base: base.superEncoder(forKey: key)))
        }
    }

    mutating func encodeNil(forKey key: Key) throws { try base.encodeNil(forKey: key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: String, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try base.encode(value, forKey: key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try base.encode(value, forKey: key) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        KeyedEncodingContainer(KeyedLowercasing<NestedKey>(base: base.nestedContainer(keyedBy: keyType, forKey: key)))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        UnkeyedLowercasing(base: base.nestedUnkeyedContainer(forKey: key))
    }

    mutating func superEncoder() -> any Encoder { LowercasingEncoder(base: base.superEncoder()) }
    mutating func superEncoder(forKey key: Key) -> any Encoder {
        LowercasingEncoder(base: base.superEncoder(forKey: key))
    }
}

private struct UnkeyedLowercasing: UnkeyedEncodingContainer, LowercasingValueContainer {
    var base: any UnkeyedEncodingContainer
    var codingPath: [any CodingKey] { base.codingPath }
    var count: Int { base.count }

    mutating func encodeNil() throws { try base.encodeNil() }
    mutating func passThrough<T: Encodable>(_ value: T) throws { try base.encode(value) }
    mutating func compositeEncoder() -> any Encoder { LowercasingEncoder(base: base.superEncoder()) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<
        NestedKey
    > {
        KeyedEncodingContainer(KeyedLowercasing<NestedKey>(base: base.nestedContainer(keyedBy: keyType)))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        UnkeyedLowercasing(base: base.nestedUnkeyedContainer())
    }

    mutating func superEncoder() -> any Encoder { LowercasingEncoder(base: base.superEncoder()) }
}

private struct SingleValueLowercasing: SingleValueEncodingContainer, LowercasingValueContainer {
    var base: any SingleValueEncodingContainer
    /// The encoder `base` came from: a composite value is encoded into it through the proxy.
    let encoder: any Encoder
    var codingPath: [any CodingKey] { base.codingPath }

    mutating func encodeNil() throws { try base.encodeNil() }
    mutating func passThrough<T: Encodable>(_ value: T) throws { try base.encode(value) }
    mutating func compositeEncoder() -> any Encoder { LowercasingEncoder(base: encoder) }
}

/// The `encode` methods the unkeyed and single-value containers share. A UUID goes to the underlying
/// container as its lower-case string and a leaf (every primitive among them) as it is, so that
/// container's own strategies apply (dates, data, floats); a composite value is encoded into a
/// lower-casing encoder.
private protocol LowercasingValueContainer {
    /// Hands `value` to the underlying container unchanged.
    mutating func passThrough<T: Encodable>(_ value: T) throws
    /// The encoder a composite value is written into (asked for only when there is one).
    mutating func compositeEncoder() -> any Encoder
}

extension LowercasingValueContainer {
    mutating func encode<T: Encodable>(_ value: T) throws {
        if let uuid = value as? UUID {
            try passThrough(uuid.uuidString.lowercased())
        } else if Lowercasing.isLeaf(value) {
            try passThrough(value)
        } else {
            try value.encode(to: compositeEncoder())
        }
    }

    mutating func encode(_ value: Bool) throws { try passThrough(value) }
    mutating func encode(_ value: String) throws { try passThrough(value) }
    mutating func encode(_ value: Double) throws { try passThrough(value) }
    mutating func encode(_ value: Float) throws { try passThrough(value) }
    mutating func encode(_ value: Int) throws { try passThrough(value) }
    mutating func encode(_ value: Int8) throws { try passThrough(value) }
    mutating func encode(_ value: Int16) throws { try passThrough(value) }
    mutating func encode(_ value: Int32) throws { try passThrough(value) }
    mutating func encode(_ value: Int64) throws { try passThrough(value) }
    mutating func encode(_ value: UInt) throws { try passThrough(value) }
    mutating func encode(_ value: UInt8) throws { try passThrough(value) }
    mutating func encode(_ value: UInt16) throws { try passThrough(value) }
    mutating func encode(_ value: UInt32) throws { try passThrough(value) }
    mutating func encode(_ value: UInt64) throws { try passThrough(value) }
}
