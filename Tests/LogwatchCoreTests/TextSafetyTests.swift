import Testing
import LogwatchCore

/// Log text reaches terminals, HTML and JSON: whatever a line holds, it must not drive a
/// terminal, become markup, or end a JSON string.
@Suite struct TextSafetyTests {
    @Test func controlAndBidirectionalCharactersBecomeVisibleEscapes() {
        #expect(TextSafety.escape("a\u{1B}[31mred\u{07}") == "a\\x1b[31mred\\x07")
        #expect(TextSafety.escape("line\nnext\r\ttab") == "line\\nnext\\r\\ttab")
        #expect(TextSafety.escape("admin\u{202E}txt.exe") == "admin\\u{202e}txt.exe")
        #expect(TextSafety.escape("\u{85}\u{7F}") == "\\x85\\x7f")
        #expect(TextSafety.escape("café ✓") == "café ✓")
    }

    @Test func htmlTextHasNoMarkupCharactersLeft() {
        let html = TextSafety.html("<script>alert('x')</script> & \"q\" \u{1B}")
        #expect(html == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; \\x1b")
        #expect(!html.contains("<") && !html.contains(">") && !html.contains("'") && !html.contains("\""))
    }
}

@Suite struct JSONWriterTests {
    private func json(_ build: (inout [UInt8]) -> Void) -> String {
        var out: [UInt8] = []
        build(&out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func stringsEscapeQuotesBackslashesAndEveryControlCharacter() {
        #expect(json { JSONWriter.string("a\"b\\c\nd\re\tf\u{0}\u{1F}\u{7F}", to: &$0) } == #""a\"b\\c\nd\re\tf\u0000\u001f\u007f""#)
        #expect(json { JSONWriter.optionalString(nil, to: &$0) } == "null")
    }

    @Test func numbersAreFiniteDecimalsOrNull() {
        #expect(json { JSONWriter.number(2.5, to: &$0) } == "2.5")
        #expect(json { JSONWriter.number(.nan, to: &$0) } == "null")
        #expect(json { JSONWriter.number(.infinity, to: &$0) } == "null")
        #expect(json { JSONWriter.integer(Int?.none, to: &$0) } == "null")
        #expect(json { JSONWriter.integer(-42, to: &$0) } == "-42")
    }

    @Test func anEventHasEveryDocumentedKeyInOrder() {
        let e = TransactionEvent(time: 1_764_000_017_000, sourceIP: IPAddress("10.20.0.48"), principal: "svc_hr_sync", apiProtocol: .rest,
                                 method: "GET", path: "/api/now/table/sys_user", status: 200, durationMs: 222, bytes: 9645,
                                 origin: Origin(input: 0, line: 1))
        #expect(json { JSONWriter.event(e, file: "a.log", to: &$0) } ==
            #"{"time":"2025-11-24T16:00:17.000Z","source_ip":"10.20.0.48","principal":"svc_hr_sync","protocol":"REST","direction":"inbound","method":"GET","path":"/api/now/table/sys_user","status":200,"outcome":"success","failure_reason":null,"duration_ms":222,"bytes":9645,"file":"a.log","line":1}"#)
    }
}
