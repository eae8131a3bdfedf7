#include "common/text/text.h"

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace clientbook::text {
namespace {

TEST(TextTest, SearchFoldingDropsAccentsAndCase) {
  EXPECT_EQ(FoldForSearch("Società"), "societa");
  EXPECT_EQ(FoldForSearch("ÉCOLE Française"), "ecole francaise");
  EXPECT_EQ(FoldForSearch("Niño"), "nino");
  EXPECT_EQ(FoldForSearch("Straße"), "strasse");
}

// Names as they arrive: typed in full width, pasted from a PDF (ligatures)
// or a web page (soft hyphens, zero-width spaces inside words).
TEST(TextTest, SearchFoldingFoldsWidthLigaturesAndInvisibleCharacters) {
  EXPECT_EQ(FoldForSearch("\uFF32\uFF4F\uFF53\uFF53\uFF49 SRL"), "rossi srl");
  EXPECT_EQ(FoldForSearch("\uFB01nance \uFB02ow"), "finance flow");
  EXPECT_EQ(FoldForSearch("Ros\u00ADsi Con\u200Bti"), "rossi conti");
  EXPECT_EQ(FoldForSearch("Soci\uFF45t\u00E0 \u2460"), "societa 1");
  EXPECT_EQ(FoldForSearch("Rossi & Co.\t"), "rossi & co.\t");
}

TEST(TextTest, FirstCharactersCountsCodePoints) {
  EXPECT_EQ(FirstCharacters("a\u00E9\u3316b", 3), "a\u00E9\u3316");
  EXPECT_EQ(FirstCharacters("a\u00E9", 2), "a\u00E9");
  EXPECT_EQ(FirstCharacters("a\u00E9", 5), "a\u00E9");
  EXPECT_EQ(FirstCharacters("\U0001F600x", 1), "\U0001F600");
  EXPECT_EQ(FirstCharacters("abc", 0), "");
}

TEST(TextTest, CanonicalEqualityIgnoresHowAnAccentIsEncodedOnly) {
  EXPECT_TRUE(CanonicallyEqual("Societ\u00E0", "Societa\u0300"));
  EXPECT_TRUE(CanonicallyEqual("Societa\u0300", "Societ\u00E0"));
  EXPECT_TRUE(CanonicallyEqual("a\u0301\u0323", "a\u0323\u0301"));
  EXPECT_TRUE(CanonicallyEqual("Rossi", "Rossi"));
  EXPECT_FALSE(CanonicallyEqual("Rossi", "rossi"));
  EXPECT_FALSE(CanonicallyEqual("Societ\u00E0", "Societa"));
  EXPECT_FALSE(CanonicallyEqual("\uFF32ossi", "Rossi"));
  EXPECT_FALSE(CanonicallyEqual("Ro\u200Bssi", "Rossi"));
}

TEST(TextTest, CaseFoldingKeepsAccents) {
  EXPECT_EQ(FoldCase("A-17"), FoldCase("a-17"));
  EXPECT_EQ(FoldCase("STRASSE"), FoldCase("straße"));
  EXPECT_NE(FoldCase("é"), FoldCase("e"));
}

// One character or a letter and its combining accents: the same text.
TEST(TextTest, CaseFoldingTreatsCanonicallyEquivalentTextAlike) {
  EXPECT_EQ(FoldCase("\u00C9-17"), FoldCase("E\u0301-17"));
  EXPECT_EQ(FoldCase("\u00E9-17"), FoldCase("e\u0301-17"));
  // Folding that decomposes ("ΐ" folds to ι and two accents) composes again.
  EXPECT_EQ(FoldCase("\u0390"), "\u0390");
  EXPECT_EQ(FoldCase("\u03B9\u0308\u0301"), "\u0390");
  // Accents in another order are the same text only where Unicode says so.
  EXPECT_EQ(FoldCase("a\u0301\u0323"), FoldCase("a\u0323\u0301"));
  EXPECT_NE(FoldCase("e\u0301"), FoldCase("e\u0300"));
  EXPECT_EQ(FoldCase("R-17"), "r-17");
}

// Identifiers as people type them: full width is the same text, and an
// invisible character inside hides nothing; accents still count.
TEST(TextTest, IdentifierFoldingFoldsWidthAndDropsInvisibleCharacters) {
  EXPECT_EQ(FoldIdentifier("\uFF21-\uFF11\uFF17"), "a-17");
  EXPECT_EQ(FoldIdentifier("A-\u200B17"), "a-17");
  EXPECT_EQ(FoldIdentifier("\u202EA-17"), "a-17");
  EXPECT_EQ(FoldIdentifier("\u00C9-17"), FoldIdentifier("e\u0301-17"));
  EXPECT_NE(FoldIdentifier("\u00E9-17"), FoldIdentifier("e-17"));
  EXPECT_EQ(FoldIdentifier("STRASSE"), FoldIdentifier("Stra\u00DFe"));
  EXPECT_EQ(FoldIdentifier("\u200B"), "");
}

TEST(TextTest, FindsControlCharactersAndWhetherAnythingShows) {
  EXPECT_EQ(FirstControlCharacter("a\nb"), char32_t{0x0A});
  EXPECT_EQ(FirstControlCharacter(std::string("a\0b", 3)), char32_t{0});
  EXPECT_EQ(FirstControlCharacter("x\xC2\x85"), char32_t{0x85});  // C1's NEL
  EXPECT_EQ(FirstControlCharacter("Societ\u00E0 \u200B\u00A0"), std::nullopt);
  EXPECT_FALSE(HasVisibleCharacter(""));
  EXPECT_FALSE(HasVisibleCharacter(" \u00A0\u200B\u200E\uFEFF\t\u3000"));
  EXPECT_TRUE(HasVisibleCharacter("\u200B.\u200B"));
  EXPECT_TRUE(HasVisibleCharacter("\u0645"));  // an Arabic letter
}

TEST(TextTest, TrimRemovesUnicodeBlanks) {
  EXPECT_EQ(Trim("  a b \t\n"), "a b");
  EXPECT_EQ(Trim("\u00a0x\u2003"), "x");
  EXPECT_EQ(Trim("   "), "");
}

TEST(TextTest, CountsCharactersNotBytes) {
  EXPECT_EQ(CharacterCount("abc"), 3u);
  EXPECT_EQ(CharacterCount("è€𝄞"), 3u);
}

TEST(TextTest, RejectsMalformedUtf8) {
  EXPECT_TRUE(IsValidUtf8("Società"));
  EXPECT_FALSE(IsValidUtf8("\xc3"));
  EXPECT_FALSE(IsValidUtf8("\xff\xfe"));
  EXPECT_FALSE(IsValidUtf8("\xed\xa0\x80"));  // a lone surrogate
}

TEST(TextTest, WordsSplitOnAnythingButLettersAndDigits) {
  EXPECT_THAT(Words("rossi & figli s.r.l. 2024"),
              ::testing::ElementsAre("rossi", "figli", "s", "r", "l", "2024"));
  EXPECT_THAT(Words("  "), ::testing::IsEmpty());
}

// ASCII text takes a path of its own; it splits exactly where ICU does.
TEST(TextTest, AsciiWordsSplitAsUnicodeWordsDo) {
  for (int c = 1; c < 0x80; ++c) {
    const std::string ascii = absl::StrCat("ab", std::string(1, static_cast<char>(c)),
                                           "cd", std::string(1, static_cast<char>(c)));
    std::vector<std::string> expected = Words(ascii);
    expected.push_back("é");
    EXPECT_EQ(Words(ascii + " é"), expected) << "character " << c;
  }
}

TEST(TextTest, Base64UrlHasOneSpellingPerValue) {
  std::string bytes;
  ASSERT_TRUE(DecodeBase64UrlStrict("YQ", &bytes));  // 'a': 0x61, 4 spare bits zero
  EXPECT_EQ(bytes, "a");
  EXPECT_TRUE(DecodeBase64UrlStrict("", &bytes));
  EXPECT_EQ(bytes, "");
  for (const char* other : {"YR", "YS", "Yf", "YQ==", "YQ=", "Y", "Y+", "Y/", "Y Q"}) {
    EXPECT_FALSE(DecodeBase64UrlStrict(other, &bytes)) << other;
  }
}

}  // namespace
}  // namespace clientbook::text
