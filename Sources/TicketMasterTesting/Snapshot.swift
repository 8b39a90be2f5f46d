import Foundation

/// Compares text with a committed snapshot file; `SNAPSHOT_UPDATE=1` rewrites the file instead.
public enum Snapshot {
    /// The snapshot's text, or nil when it matches; `directory` is the folder of snapshot files.
    public static func mismatch(_ text: String, named name: String, in directory: URL) throws -> String? {
        let file = directory.appendingPathComponent(name + ".txt")
        if ProcessInfo.processInfo.environment["SNAPSHOT_UPDATE"] == "1" {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try Data(text.utf8).write(to: file)
            return nil
        }
        guard let data = FileManager.default.contents(atPath: file.path) else {
            return "no snapshot at \(file.path); run the tests with SNAPSHOT_UPDATE=1 to record it"
        }
        let expected = String(decoding: data, as: UTF8.self)
        return expected == text ? nil : "snapshot \(name) differs:\n--- expected\n\(expected)\n--- actual\n\(text)"
    }
}
