import Foundation
import Testing
import LogwatchCore
@testable import Alerting

/// Slack's incoming webhooks take a `text` (what notifications show) and Block Kit `blocks`
/// (https://api.slack.com/messaging/webhooks, https://api.slack.com/reference/block-kit/blocks#section):
/// a section's `text` and each of its `fields` are text objects of type `mrkdwn`.
@Suite struct SlackPayloadTests {
    @Test func aMessageHasTextAndASectionWithTheFacts() throws {
        let body = try AlertFixtures.object(SlackPayload.body(AlertFixtures.alert()))
        #expect((body["text"] as? String)?.hasPrefix("[FIRING warning: failed_auth_spike/principal] partner-acme: 20 failed logins") == true)
        let blocks = try #require(body["blocks"] as? [[String: Any]])
        #expect(blocks.count == 2)
        #expect(blocks.allSatisfy { $0["type"] as? String == "section" })
        let fields = try #require(blocks[1]["fields"] as? [[String: Any]])
        #expect(fields.map { $0["type"] as? String } == ["mrkdwn", "mrkdwn", "mrkdwn", "mrkdwn"])
        #expect(fields.map { ($0["text"] as? String)?.split(separator: "\n").first.map(String.init) } == ["*Key*", "*Observed*", "*Window*", "*Incident*"])
        #expect(fields[1]["text"] as? String == "*Observed*\n20 (threshold 20, usual 0)")
    }

    @Test func theLabelFollowsThePhase() throws {
        let reminder = try AlertFixtures.object(SlackPayload.body(AlertFixtures.alert(reminder: true)))
        #expect((reminder["text"] as? String)?.hasPrefix("[ONGOING ") == true)
        let resolved = try AlertFixtures.object(SlackPayload.body(AlertFixtures.alert(status: .resolved)))
        #expect((resolved["text"] as? String)?.hasPrefix("[RESOLVED ") == true)
    }

    /// Slack reads `<!channel>` as a mention and `<url|text>` as a link: log text must come
    /// through as literal characters (https://api.slack.com/reference/surfaces/formatting#escaping).
    @Test func logTextCannotMentionOrLink() throws {
        let body = SlackPayload.body(AlertFixtures.alert(principal: "<!channel> & <http://evil|x>"))
        let text = try #require(try AlertFixtures.object(body)["text"] as? String)
        #expect(text.contains("&lt;!channel&gt; &amp; &lt;http://evil|x&gt;"))
        #expect(!text.contains("<!channel>"))
    }
}
