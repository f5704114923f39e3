import Foundation
import Testing

@Suite struct CheckConfigCommandTests {
    func check(_ yaml: String) throws -> CLI.Result {
        let file = CLI.temporaryDirectory().appendingPathComponent("logwatch.yml")
        try yaml.write(to: file, atomically: true, encoding: .utf8)
        return try CLI.run(["check-config", file.path])
    }

    @Test func theSampleConfigIsValid() throws {
        let r = try CLI.run(["check-config", ScanCommandTests.repo.appendingPathComponent("samples/logwatch.yml").path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("1 principal with allowlists"))
    }

    @Test func anErrorExitsTwoNamingTheLineAndTheKey() throws {
        let r = try check("colour: blue\n")
        #expect(r.status == 2)
        #expect(r.stderr.contains(":1: unknown key 'colour'"), "\(r.stderr)")
    }

    @Test func anEmptyFileMeansAllDefaults() throws {
        let r = try check("")
        #expect(r.status == 0)
    }
}
