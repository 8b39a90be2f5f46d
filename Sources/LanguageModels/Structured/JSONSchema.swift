/// The subset of JSON Schema that every supported provider can enforce natively: objects with fixed properties,
/// arrays, strings (with length limits and enumerations), numbers, integers and Booleans.
///
/// Keeping to this subset means one schema can be sent as OpenAI's `response_format`, Ollama's `format`, Gemini's
/// `responseSchema` and Anthropic's tool `input_schema`, and checked locally by ``violations(of:)`` with the same
/// meaning everywhere.
public struct JSONSchema: Sendable, Hashable {
    /// The kind of value the schema accepts, with the constraints that belong to that kind.
    public indirect enum Kind: Sendable, Hashable {
        /// An object with these properties, in this order; `required` names the ones that must be present.
        case object(properties: [Property], required: [String])
        /// An array whose elements all match `items`.
        case array(items: JSONSchema, minItems: Int?, maxItems: Int?)
        /// A string, optionally limited in length or to a fixed set of values.
        case string(minLength: Int?, maxLength: Int?, allowed: [String]?)
        /// A whole number.
        case integer(minimum: Int?, maximum: Int?)
        /// Any number.
        case number(minimum: Double?, maximum: Double?)
        /// `true` or `false`.
        case boolean
    }

    /// One named property of an object schema.
    public struct Property: Sendable, Hashable {
        /// The key.
        public var name: String
        /// The schema of its value.
        public var schema: JSONSchema

        /// Creates a property.
        public init(_ name: String, _ schema: JSONSchema) {
            self.name = name
            self.schema = schema
        }
    }

    /// What the schema accepts.
    public var kind: Kind
    /// A description the model reads; providers pass it on as guidance.
    public var description: String?

    /// Creates a schema.
    public init(_ kind: Kind, description: String? = nil) {
        self.kind = kind
        self.description = description
    }

    /// An object whose properties are all required, the shape strict structured output expects.
    public static func object(_ properties: [Property], description: String? = nil) -> JSONSchema {
        JSONSchema(.object(properties: properties, required: properties.map(\.name)), description: description)
    }

    /// An object where only `required` properties must be present.
    public static func object(
        _ properties: [Property], required: [String], description: String? = nil
    )
        -> JSONSchema
    {
        JSONSchema(.object(properties: properties, required: required), description: description)
    }

    /// An array of `items`.
    public static func array(
        of items: JSONSchema, minItems: Int? = nil, maxItems: Int? = nil, description: String? = nil
    ) -> JSONSchema {
        JSONSchema(.array(items: items, minItems: minItems, maxItems: maxItems), description: description)
    }

    /// A string.
    public static func string(
        minLength: Int? = nil, maxLength: Int? = nil, description: String? = nil
    )
        -> JSONSchema
    {
        JSONSchema(.string(minLength: minLength, maxLength: maxLength, allowed: nil), description: description)
    }

    /// A string that must be one of `values`.
    public static func oneOf(_ values: [String], description: String? = nil) -> JSONSchema {
        JSONSchema(.string(minLength: nil, maxLength: nil, allowed: values), description: description)
    }

    /// A whole number.
    public static func integer(minimum: Int? = nil, maximum: Int? = nil, description: String? = nil) -> JSONSchema {
        JSONSchema(.integer(minimum: minimum, maximum: maximum), description: description)
    }

    /// Any number.
    public static func number(
        minimum: Double? = nil, maximum: Double? = nil, description: String? = nil
    )
        -> JSONSchema
    {
        JSONSchema(.number(minimum: minimum, maximum: maximum), description: description)
    }

    /// `true` or `false`.
    public static func boolean(description: String? = nil) -> JSONSchema {
        JSONSchema(.boolean, description: description)
    }

    /// Whether every object in the schema requires all of its properties; OpenAI's strict mode accepts nothing
    /// else, so a schema with optional properties is sent without `strict`.
    public var isStrictCompatible: Bool {
        switch kind {
        case .object(let properties, let required):
            Set(required) == Set(properties.map(\.name)) && properties.allSatisfy { $0.schema.isStrictCompatible }
        case .array(let items, _, _): items.isStrictCompatible
        case .string, .integer, .number, .boolean: true
        }
    }
}

extension JSONSchema {
    /// The schema as standard JSON Schema, properties in declared order; objects forbid unknown keys so a model
    /// cannot pad its reply.
    public var jsonValue: JSONValue { value(gemini: false) }

    /// The schema in Gemini's OpenAPI dialect: upper-case type names, no `additionalProperties` (which Gemini
    /// rejects) and an explicit `propertyOrdering`, because Gemini otherwise orders keys alphabetically.
    public var geminiValue: JSONValue { value(gemini: true) }

    private func value(gemini: Bool) -> JSONValue {
        func type(_ name: String) -> JSONValue { .string(gemini ? name.uppercased() : name) }
        var members: JSONObject = [:]
        switch kind {
        case .object(let properties, let required):
            members["type"] = type("object")
            members["description"] = description.map(JSONValue.string)
            members["properties"] = .object(JSONObject(properties.map { ($0.name, $0.schema.value(gemini: gemini)) }))
            members["required"] = .array(required.map(JSONValue.string))
            if gemini {
                members["propertyOrdering"] = .array(properties.map { .string($0.name) })
            } else {
                members["additionalProperties"] = false
            }
        case .array(let items, let minItems, let maxItems):
            members["type"] = type("array")
            members["description"] = description.map(JSONValue.string)
            members["items"] = items.value(gemini: gemini)
            members["minItems"] = minItems.map { JSONValue($0) }
            members["maxItems"] = maxItems.map { JSONValue($0) }
        case .string(let minLength, let maxLength, let allowed):
            members["type"] = type("string")
            members["description"] = description.map(JSONValue.string)
            if let allowed {
                if gemini { members["format"] = "enum" }
                members["enum"] = .array(allowed.map(JSONValue.string))
            }
            members["minLength"] = minLength.map { JSONValue($0) }
            members["maxLength"] = maxLength.map { JSONValue($0) }
        case .integer(let minimum, let maximum):
            members["type"] = type("integer")
            members["description"] = description.map(JSONValue.string)
            members["minimum"] = minimum.map { JSONValue($0) }
            members["maximum"] = maximum.map { JSONValue($0) }
        case .number(let minimum, let maximum):
            members["type"] = type("number")
            members["description"] = description.map(JSONValue.string)
            members["minimum"] = minimum.map(JSONValue.number)
            members["maximum"] = maximum.map(JSONValue.number)
        case .boolean:
            members["type"] = type("boolean")
            members["description"] = description.map(JSONValue.string)
        }
        return .object(members)
    }
}
