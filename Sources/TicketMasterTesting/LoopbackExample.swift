import LanguageModels

/// A value that matches a JSON schema, for fakes that must answer structured-output requests as a real model
/// constrained by that schema would: the shape is right, the content is filler.
enum LoopbackExample {
    /// An instance of `schema`, in either standard JSON Schema or Gemini's upper-case dialect.
    static func value(for schema: JSONValue) -> JSONValue {
        if let allowed = schema["enum"]?.arrayValue, let first = allowed.first { return first }
        switch schema["type"]?.stringValue?.lowercased() {
        case "object":
            guard case .object(let properties)? = schema["properties"] else { return [:] }
            return .object(properties.mapValues { value(for: $0) })
        case "array":
            let count = max(1, Int(schema["minItems"]?.numberValue ?? 1))
            return .array(Array(repeating: value(for: schema["items"] ?? [:]), count: count))
        case "integer":
            return .number(schema["minimum"]?.numberValue ?? 1)
        case "number":
            return .number(schema["minimum"]?.numberValue ?? 1.5)
        case "boolean":
            return true
        default:
            let text = "example text"
            let limit = schema["maxLength"]?.numberValue.map(Int.init) ?? text.count
            return .string(String(text.prefix(limit)))
        }
    }
}
