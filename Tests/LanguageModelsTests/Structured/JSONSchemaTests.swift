import Foundation
import Testing

@testable import LanguageModels

@Suite struct JSONSchemaTests {
    let issue = JSONSchema.object([
        .init("title", .string(minLength: 5, maxLength: 20)),
        .init("priority", .integer(minimum: 1, maximum: 3)),
        .init("kind", .oneOf(["bug", "docs"])),
        .init("labels", .array(of: .string(), maxItems: 2)),
    ])

    @Test func encodesStandardJSONSchemaInDeclaredOrderForbiddingExtraKeys() {
        #expect(
            issue.jsonValue.jsonText
                == #"{"type":"object","properties":{"title":{"type":"string","minLength":5,"maxLength":20},"#
                + #""priority":{"type":"integer","minimum":1,"maximum":3},"#
                + #""kind":{"type":"string","enum":["bug","docs"]},"#
                + #""labels":{"type":"array","items":{"type":"string"},"maxItems":2}},"#
                + #""required":["title","priority","kind","labels"],"additionalProperties":false}"#)
    }

    @Test func writesJSONTextThatParsesBack() throws {
        let value: JSONValue = ["quote": "say \"hi\"\n\t\u{1}", "big": 12345678901, "fraction": 0.25, "none": .null]
        #expect(value.jsonText == #"{"quote":"say \"hi\"\n\t\u0001","big":12345678901,"fraction":0.25,"none":null}"#)
        let parsed = try #require(JSONValue(parsing: Data(value.jsonText.utf8)))
        #expect(parsed == value)
    }

    @Test func encodesGeminiDialect() {
        let gemini = issue.geminiValue
        #expect(gemini["type"] == "OBJECT")
        #expect(gemini["additionalProperties"] == nil)
        #expect(gemini["propertyOrdering"] == ["title", "priority", "kind", "labels"])
        #expect(gemini["properties"]?["labels"]?["items"]?["type"] == "STRING")
        #expect(gemini["properties"]?["kind"]?["format"] == "enum")
    }

    @Test func acceptsAMatchingValue() {
        let value: JSONValue = ["title": "Flaky login", "priority": 2, "kind": "bug", "labels": ["auth"]]
        #expect(issue.violations(of: value).isEmpty)
    }

    @Test func reportsEveryViolationWithItsPath() {
        let value: JSONValue = [
            "title": "Hi", "priority": 2.5, "kind": "feature", "labels": ["a", "b", 3], "extra": true,
        ]
        #expect(
            issue.violations(of: value).map(\.description) == [
                #"$: unexpected key "extra""#,
                "$.title: 2 characters, fewer than the minimum of 5",
                "$.priority: expected integer, found 2.5",
                #"$.kind: "feature" is not one of "bug", "docs""#,
                "$.labels: 3 items, more than the maximum of 2",
                "$.labels[2]: expected string, found integer",
            ])
    }

    @Test func reportsMissingKeysAndWrongRootType() {
        #expect(
            issue.violations(of: ["title": "Flaky login"]).map(\.description) == [
                #"$: missing required key "priority""#, #"$: missing required key "kind""#,
                #"$: missing required key "labels""#,
            ])
        #expect(issue.violations(of: "text").map(\.description) == ["$: expected object, found string"])
    }

    @Test func strictModeNeedsEveryPropertyRequired() {
        #expect(issue.isStrictCompatible)
        let optional = JSONSchema.object([.init("a", .string()), .init("b", .string())], required: ["a"])
        #expect(!optional.isStrictCompatible)
        #expect(!JSONSchema.array(of: optional).isStrictCompatible)
    }

    @Test func responseSchemaNamesAreSanitized() {
        #expect(ResponseSchema(name: "Issue Draft<T>", schema: issue).name == "Issue_Draft_T_")
        #expect(ResponseSchema(name: "", schema: issue).name == "response")
    }
}
