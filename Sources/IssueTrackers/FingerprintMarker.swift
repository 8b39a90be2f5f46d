/// The hidden HTML comment that carries a draft's fingerprint in an issue body:
/// `<!-- ticket-master:fingerprint=<hex> -->`.
///
/// It survives Markdown rendering unseen, and lets a re-run find the issue it filed before.
public enum FingerprintMarker {
    /// The marker for `fingerprint`.
    public static func marker(for fingerprint: String) -> String {
        "<!-- ticket-master:fingerprint=\(normalized(fingerprint)) -->"
    }

    /// Whether `fingerprint` is usable: 8 to 128 hexadecimal digits.
    public static func isValid(_ fingerprint: String) -> Bool {
        (8...128).contains(fingerprint.count) && fingerprint.allSatisfy(\.isHexDigit)
    }

    /// `body` carrying `fingerprint`'s marker at its end, replacing a marker already there.
    public static func embed(_ fingerprint: String, in body: String) -> String {
        var stripped = remove(from: body)
        while stripped.last?.isNewline == true { stripped.removeLast() }
        return stripped.isEmpty ? marker(for: fingerprint) : stripped + "\n\n" + marker(for: fingerprint)
    }

    /// The fingerprint in `body`'s marker, lowercased, or nil.
    public static func extract(from body: String) -> String? {
        guard let match = body.firstMatch(of: pattern) else { return nil }
        return String(match.1).lowercased()
    }

    /// `body` without its marker.
    public static func remove(from body: String) -> String {
        body.replacing(pattern, with: "")
    }

    /// The lowercase form used in markers and lookups.
    static func normalized(_ fingerprint: String) -> String {
        fingerprint.trimmingCharacters(in: .whitespaces).lowercased()
    }

    nonisolated(unsafe) private static let pattern = #/<!--\s*ticket-master:fingerprint=([0-9A-Fa-f]+)\s*-->/#
}
