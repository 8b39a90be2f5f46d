import ArgumentParser
import Foundation

/// Formats for commands whose output is data.
enum DataFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json
}

/// Prints `value` as pretty JSON with sorted keys and ISO-8601 dates on standard output.
func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    let data = try encoder.encode(value)
    FileHandle.standardOutput.write(data)
    FileHandle.standardOutput.write(Data("\n".utf8))
}
