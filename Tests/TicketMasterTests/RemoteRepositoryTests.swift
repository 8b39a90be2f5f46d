import Testing
import TicketMaster

@Suite("RemoteRepository")
struct RemoteRepositoryTests {
    @Test(
        "accepts owner/repo and every common URL form",
        arguments: [
            ("acme/api", nil, "acme", "api"),
            ("https://github.com/acme/api", "github.com", "acme", "api"),
            ("https://github.com/acme/api.git", "github.com", "acme", "api"),
            ("git@github.com:acme/api.git", "github.com", "acme", "api"),
            ("ssh://git@github.com/acme/api.git", "github.com", "acme", "api"),
            ("https://gitlab.com/group/sub/project", "gitlab.com", "group/sub", "project"),
            ("https://github.example.com/acme/my.repo-1/", "github.example.com", "acme", "my.repo-1"),
        ] as [(String, String?, String, String)])
    func parses(text: String, host: String?, owner: String, name: String) throws {
        let remote = try RemoteRepository(parsing: text)
        #expect(remote.host == host)
        #expect(remote.owner == owner)
        #expect(remote.name == name)
    }

    @Test("recognises the forge from the host")
    func forge() throws {
        #expect(try RemoteRepository(parsing: "acme/api").forge == .github)
        #expect(try RemoteRepository(parsing: "https://gitlab.com/a/b").forge == .gitlab)
        #expect(try RemoteRepository(parsing: "https://git.example.org/a/b").forge == .unknown)
    }

    @Test(
        "rejects what is not a repository, with a usage error that shows the accepted forms",
        arguments: [
            "acme", "acme/", "/api", "a/b/c", "acme/api with space", "-acme/api", "acme/..", "https://github.com/acme",
            "/work/api", "./acme/api", "~/acme/api", "file:///srv/acme/api",
        ])
    func rejects(text: String) {
        #expect {
            try RemoteRepository(parsing: text)
        } throws: { error in
            guard let error = error as? TicketMasterError else { return false }
            return error.code == .usage && error.message.contains("expected owner/repo")
        }
    }
}
