/// Colours for labels Ticket-Master creates: the same name always gets the same colour, on every forge and run.
public enum LabelColor {
    /// Six hexadecimal digits without `#`: GitHub's default colour for its default labels, otherwise one of a
    /// palette picked by a stable hash of the lowercased name.
    public static func color(for name: String) -> String {
        let key = name.lowercased()
        if let known = defaults[key] { return known }
        // FNV-1a: stable across runs and platforms, unlike `Hasher`.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return palette[Int(hash % UInt64(palette.count))]
    }

    private static let defaults: [String: String] = [
        "bug": "d73a4a", "documentation": "0075ca", "duplicate": "cfd3d7", "enhancement": "a2eeef",
        "good first issue": "7057ff", "help wanted": "008672", "invalid": "e4e669", "question": "d876e3",
        "wontfix": "ffffff",
    ]

    private static let palette = [
        "b60205", "d93f0b", "fbca04", "0e8a16", "006b75", "1d76db", "0052cc", "5319e7",
        "e99695", "f9d0c4", "fef2c0", "c2e0c6", "bfdadc", "c5def5", "bfd4f2", "d4c5f9",
    ]
}
