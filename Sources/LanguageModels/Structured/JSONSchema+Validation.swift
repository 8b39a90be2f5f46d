/// One way a value fails a ``JSONSchema``: where, and what is wrong.
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// The location in the value, `$` for the root, e.g. `$.labels[2]`.
    public var path: String
    /// What is wrong there, e.g. `expected string, found number`.
    public var problem: String

    /// Creates a violation.
    public init(path: String, problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `path: problem`, the form a model is shown when asked to repair its reply.
    public var description: String { "\(path): \(problem)" }
}

extension JSONSchema {
    /// Every way `value` fails this schema, in document order; empty when it matches.
    ///
    /// Providers that enforce schemas natively still get checked: some (llama.cpp, Ollama) only constrain the
    /// grammar and ignore length limits, and a reply cut short by `max_tokens` passes through any of them.
    public func violations(of value: JSONValue) -> [SchemaViolation] {
        var found: [SchemaViolation] = []
        check(value, at: "$", into: &found)
        return found
    }

    private func check(_ value: JSONValue, at path: String, into found: inout [SchemaViolation]) {
        func fail(_ problem: String) { found.append(SchemaViolation(path: path, problem: problem)) }
        switch (kind, value) {
        case (.object(let properties, let required), .object(let members)):
            for name in required where members[name] == nil {
                fail("missing required key \"\(name)\"")
            }
            let known = Dictionary(properties.map { ($0.name, $0.schema) }, uniquingKeysWith: { $1 })
            for key in members.keys.sorted() where known[key] == nil {
                fail("unexpected key \"\(key)\"")
            }
            for property in properties {
                guard let member = members[property.name] else { continue }
                property.schema.check(member, at: "\(path).\(property.name)", into: &found)
            }
        case (.array(let items, let minItems, let maxItems), .array(let elements)):
            if let minItems, elements.count < minItems {
                fail("\(elements.count) items, fewer than the minimum of \(minItems)")
            }
            if let maxItems, elements.count > maxItems {
                fail("\(elements.count) items, more than the maximum of \(maxItems)")
            }
            for (index, element) in elements.enumerated() {
                items.check(element, at: "\(path)[\(index)]", into: &found)
            }
        case (.string(let minLength, let maxLength, let allowed), .string(let text)):
            if let minLength, text.count < minLength {
                fail("\(text.count) characters, fewer than the minimum of \(minLength)")
            }
            if let maxLength, text.count > maxLength {
                fail("\(text.count) characters, more than the maximum of \(maxLength)")
            }
            if let allowed, !allowed.contains(text) {
                fail("\"\(text)\" is not one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", "))")
            }
        case (.integer(let minimum, let maximum), .number(let number)):
            guard number.rounded() == number else {
                fail("expected integer, found \(number)")
                return
            }
            if let minimum, number < Double(minimum) { fail("\(Int(number)) is less than \(minimum)") }
            if let maximum, number > Double(maximum) { fail("\(Int(number)) is more than \(maximum)") }
        case (.number(let minimum, let maximum), .number(let number)):
            if let minimum, number < minimum { fail("\(number) is less than \(minimum)") }
            if let maximum, number > maximum { fail("\(number) is more than \(maximum)") }
        case (.boolean, .bool):
            break
        default:
            fail("expected \(expectedTypeName), found \(value.typeName)")
        }
    }

    private var expectedTypeName: String {
        switch kind {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        }
    }
}
