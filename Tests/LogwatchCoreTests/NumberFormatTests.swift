import Testing
import LogwatchCore

@Suite struct NumberFormatTests {
    @Test(arguments: [(0, "0"), (7, "7"), (999, "999"), (1_000, "1,000"), (43_415, "43,415"), (7_259_107, "7,259,107"), (-1_234, "-1,234")] as [(Int64, String)])
    func countsAreGroupedByThousands(n: Int64, text: String) {
        #expect(NumberFormat.grouped(n) == text)
    }

    @Test(arguments: [(20, "20"), (14.7, "14.7"), (73.44, "73.4"), (153.66, "153.7"), (4_261, "4,261"), (0.04, "0"), (-2.5, "-2.5")] as [(Double, String)])
    func messagesShowWholeNumbersGroupedAndOthersToOneDecimal(v: Double, text: String) {
        #expect(NumberFormat.message(v) == text)
    }

    @Test(arguments: [(59.9, "59.9"), (614.7, "614.7"), (0.0004, "0"), (2.0, "2"), (1.23456, "1.235"), (1e20, "100000000000000000000")] as [(Double, String)])
    func decimalsHaveAtMostThreePlacesAndNoExponent(v: Double, text: String) {
        #expect(NumberFormat.decimal(v) == text)
    }

    @Test func countsNameTheirNounInTheRightNumber() {
        #expect(NumberFormat.count(1, "event") == "1 event")
        #expect(NumberFormat.count(18_000, "event") == "18,000 events")
        #expect(NumberFormat.count(0, "incident") == "0 incidents")
        #expect(NumberFormat.count(2, "key eviction") == "2 key evictions")
    }
}
