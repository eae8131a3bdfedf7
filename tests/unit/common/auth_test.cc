// The authenticators: every way a token can be wrong is UNAUTHENTICATED, and
// only a token signed by a key of the set, for this issuer and audience, in
// its lifetime, names a caller.
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/auth/authenticator.h"
#include "common/auth/jwks.h"
#include "common/auth/jwt.h"
#include "common/auth/jwt_authenticator.h"
#include "common/auth/verified_token_cache.h"
#include "common/status/errors.h"
#include "common/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/jwt_signer.h"
#include "tests/support/status_matchers.h"
#include "tests/support/temp_dir.h"

namespace clientbook::auth {
namespace {

using ::clientbook::testing::IsOk;
using ::clientbook::testing::JwtSigner;
using ::clientbook::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using Json = nlohmann::json;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// What a good token says, at kNow.
Json Claims() {
  return {{"iss", "https://id.example"},
          {"aud", "clientbook"},
          {"sub", "alice"},
          {"exp", absl::ToUnixSeconds(kNow) + 300},
          {"nbf", absl::ToUnixSeconds(kNow) - 10}};
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : rsa_(JwtSigner::Kind::kRs256, "rsa-1"),
        ec_(JwtSigner::Kind::kEs256, "ec-1"),
        keys_(*Jwks::Parse(Json{{"keys", {rsa_.Jwk(), ec_.Jwk()}}}.dump())) {}

  absl::StatusOr<VerifiedToken> Verify(const std::string& token, absl::Time at = kNow) {
    return VerifyJwt(token, keys_, rules_, at);
  }

  JwtSigner rsa_;
  JwtSigner ec_;
  Jwks keys_;
  JwtRules rules_{.issuer = "https://id.example", .audience = "clientbook"};
};

TEST_F(JwtTest, AcceptsRs256AndEs256) {
  for (const JwtSigner* signer : {&rsa_, &ec_}) {
    auto verified = Verify(signer->Sign(Claims()));
    ASSERT_THAT(verified, IsOk()) << signer->alg() << ": " << verified.status();
    EXPECT_EQ(verified->subject, "alice");
    EXPECT_EQ(verified->verified_email, "");
  }
}

TEST_F(JwtTest, EmailCountsOnlyWhenVerified) {
  Json claims = Claims();
  claims["email"] = "alice@studio.example";
  EXPECT_EQ(Verify(rsa_.Sign(claims))->verified_email, "");
  claims["email_verified"] = false;
  EXPECT_EQ(Verify(rsa_.Sign(claims))->verified_email, "");
  claims["email_verified"] = "true";  // a string is not a boolean
  EXPECT_EQ(Verify(rsa_.Sign(claims))->verified_email, "");
  claims["email_verified"] = true;
  EXPECT_EQ(Verify(rsa_.Sign(claims))->verified_email, "alice@studio.example");
}

TEST_F(JwtTest, RolesComeFromTheRolesClaim) {
  Json claims = Claims();
  claims["clientbook_roles"] = {"operator", "auditor"};
  EXPECT_THAT(Verify(rsa_.Sign(claims))->roles, ElementsAre("operator", "auditor"));
  claims["clientbook_roles"] = "operator auditor";
  EXPECT_THAT(Verify(rsa_.Sign(claims))->roles, ElementsAre("operator", "auditor"));
  claims.erase("clientbook_roles");
  claims["roles"] = {"operator"};
  EXPECT_TRUE(Verify(rsa_.Sign(claims))->roles.empty());
}

TEST_F(JwtTest, ExpiredTokensAreRefusedAfterTheLeeway) {
  const std::string token = rsa_.Sign(Claims());
  const absl::Time exp = kNow + absl::Seconds(300);
  EXPECT_THAT(Verify(token, exp + rules_.leeway - absl::Seconds(1)), IsOk());
  EXPECT_THAT(Verify(token, exp + rules_.leeway),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
  Json no_exp = Claims();
  no_exp.erase("exp");
  EXPECT_THAT(Verify(rsa_.Sign(no_exp)), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtTest, NotYetValidTokensAreRefused) {
  Json claims = Claims();
  claims["nbf"] = absl::ToUnixSeconds(kNow + absl::Minutes(5));
  EXPECT_THAT(Verify(rsa_.Sign(claims)),
              StatusIs(absl::StatusCode::kUnauthenticated, "not valid yet"));
  claims["nbf"] = absl::ToUnixSeconds(kNow + rules_.leeway);
  EXPECT_THAT(Verify(rsa_.Sign(claims)), IsOk());
}

TEST_F(JwtTest, WrongIssuerOrAudienceIsRefused) {
  Json claims = Claims();
  claims["iss"] = "https://evil.example";
  EXPECT_THAT(Verify(rsa_.Sign(claims)),
              StatusIs(absl::StatusCode::kUnauthenticated, "not issued for this"));
  claims = Claims();
  claims["aud"] = "another-service";
  EXPECT_THAT(Verify(rsa_.Sign(claims)), StatusIs(absl::StatusCode::kUnauthenticated));
  claims["aud"] = {"another-service", "clientbook"};
  EXPECT_THAT(Verify(rsa_.Sign(claims)), IsOk());
}

TEST_F(JwtTest, UnknownKidIsRefused) {
  JwtSigner stranger(JwtSigner::Kind::kRs256, "rsa-1");  // same kid, other key
  EXPECT_THAT(Verify(stranger.Sign(Claims())),
              StatusIs(absl::StatusCode::kUnauthenticated, "signature"));
  JwtSigner unknown(JwtSigner::Kind::kEs256, "nobody-knows");
  EXPECT_THAT(Verify(unknown.Sign(Claims())),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtTest, AlgNoneIsRefused) {
  const std::string unsigned_token =
      absl::StrCat(testing::Base64Url(Json{{"alg", "none"}, {"kid", "rsa-1"}}.dump()),
                   ".", testing::Base64Url(Claims().dump()), ".");
  EXPECT_THAT(Verify(unsigned_token), StatusIs(absl::StatusCode::kUnauthenticated));
  EXPECT_THAT(Verify(unsigned_token + "AAAA"),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtTest, Hs256SignedWithThePublicKeyIsRefused) {
  for (const char* alg : {"HS256", "RS256"}) {
    const std::string forged = testing::Hs256Token({{"alg", alg}, {"kid", "rsa-1"}},
                                                   Claims(), rsa_.PublicKeyDer());
    EXPECT_THAT(Verify(forged), StatusIs(absl::StatusCode::kUnauthenticated)) << alg;
  }
}

TEST_F(JwtTest, AKeyOfOneAlgorithmVerifiesNoOther) {
  const std::string token =
      ec_.SignWithHeader({{"alg", "RS256"}, {"kid", "ec-1"}}, Claims());
  EXPECT_THAT(Verify(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtTest, TamperedPayloadIsRefused) {
  for (const JwtSigner* signer : {&rsa_, &ec_}) {
    const std::string token = signer->Sign(Claims());
    Json admin = Claims();
    admin["sub"] = "mallory";
    admin["clientbook_roles"] = {"operator"};
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    const std::string tampered =
        absl::StrCat(parts[0], ".", testing::Base64Url(admin.dump()), ".", parts[2]);
    EXPECT_THAT(Verify(tampered),
                StatusIs(absl::StatusCode::kUnauthenticated, "signature"));
  }
}

// The last character of a segment carries spare bits a lenient decoder
// ignores: every other character there is another token, and refused.
TEST_F(JwtTest, EveryOtherLastCharacterOfASegmentIsRefused) {
  const std::string alphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (const JwtSigner* signer : {&rsa_, &ec_}) {
    const std::string token = signer->Sign(Claims());
    ASSERT_THAT(Verify(token), IsOk());
    for (size_t end : {token.find('.'), token.rfind('.'), token.size()}) {
      for (const char c : alphabet) {
        if (c == token[end - 1]) continue;
        std::string edited = token;
        edited[end - 1] = c;
        EXPECT_THAT(Verify(edited), StatusIs(absl::StatusCode::kUnauthenticated))
            << "segment ending at " << end << " edited to " << c;
      }
    }
  }
}

TEST_F(JwtTest, TruncatedOrMalformedTokensAreRefused) {
  const std::string token = rsa_.Sign(Claims());
  for (size_t cut : {token.size() - 1, token.size() / 2, token.find('.'), size_t{1}}) {
    EXPECT_THAT(Verify(token.substr(0, cut)),
                StatusIs(absl::StatusCode::kUnauthenticated))
        << cut;
  }
  for (const std::string& junk :
       {std::string(""), std::string(".."), std::string("a.b.c"), token + ".extra",
        std::string("%%%.%%%.%%%")}) {
    EXPECT_THAT(Verify(junk), StatusIs(absl::StatusCode::kUnauthenticated)) << junk;
  }
}

TEST_F(JwtTest, OversizedTokensAreRefusedBeforeParsing) {
  Json claims = Claims();
  claims["padding"] = std::string(64 * 1024, 'x');
  EXPECT_THAT(Verify(rsa_.Sign(claims)),
              StatusIs(absl::StatusCode::kUnauthenticated, "longer than"));
}

TEST_F(JwtTest, CritHeadersAreRefused) {
  const std::string token = rsa_.SignWithHeader(
      {{"alg", "RS256"}, {"kid", "rsa-1"}, {"crit", {"exp"}}}, Claims());
  EXPECT_THAT(Verify(token), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtTest, SubjectMustBeAUserId) {
  Json claims = Claims();
  claims.erase("sub");
  EXPECT_THAT(Verify(rsa_.Sign(claims)), StatusIs(absl::StatusCode::kUnauthenticated));
  claims["sub"] = std::string(129, 'a');
  EXPECT_THAT(Verify(rsa_.Sign(claims)), StatusIs(absl::StatusCode::kUnauthenticated));
  claims["sub"] = "users/alice";
  EXPECT_THAT(Verify(rsa_.Sign(claims)), StatusIs(absl::StatusCode::kUnauthenticated));
  claims["sub"] = std::string(128, 'a');
  EXPECT_THAT(Verify(rsa_.Sign(claims)), IsOk());
}

TEST(JwksTest, KeepsOnlyKeysThatCanVerifySafely) {
  JwtSigner good(JwtSigner::Kind::kEs256, "good");
  Json off_curve = good.Jwk();
  off_curve["kid"] = "off-curve";
  off_curve["y"] = off_curve["x"];
  Json secret = {{"kty", "oct"}, {"kid", "hmac"}, {"k", "c2VjcmV0"}};
  Json no_kid = good.Jwk();
  no_kid.erase("kid");
  Json encryption = good.Jwk();
  encryption["kid"] = "enc";
  encryption["use"] = "enc";
  auto keys = Jwks::Parse(
      Json{{"keys", {good.Jwk(), off_curve, secret, no_kid, encryption}}}.dump());
  ASSERT_THAT(keys, IsOk()) << keys.status();
  EXPECT_EQ(keys->size(), 1u);
  EXPECT_NE(keys->Find("good"), nullptr);
  EXPECT_EQ(keys->Find("hmac"), nullptr);
  EXPECT_THAT(Jwks::Parse(Json{{"keys", Json::array({secret})}}.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Jwks::Parse("not json"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(JwksTest, RsaKeysUnder2048BitsAreSkipped) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> small(EVP_RSA_gen(1024),
                                                            EVP_PKEY_free);
  BIGNUM* n = nullptr;
  EVP_PKEY_get_bn_param(small.get(), OSSL_PKEY_PARAM_RSA_N, &n);
  std::string bytes(BN_num_bytes(n), '\0');
  BN_bn2bin(n, reinterpret_cast<unsigned char*>(bytes.data()));
  BN_free(n);
  Json jwk = {
      {"kty", "RSA"}, {"kid", "small"}, {"n", testing::Base64Url(bytes)}, {"e", "AQAB"}};
  EXPECT_THAT(Jwks::Parse(Json{{"keys", Json::array({jwk})}}.dump()),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

Metadata MetadataOf(const std::vector<std::pair<std::string, std::string>>& pairs) {
  Metadata m;
  for (const auto& [k, v] : pairs) m.emplace(grpc::string_ref(k), grpc::string_ref(v));
  return m;
}

TEST(OperatorRoleTest, OnlyOperatorsAndTheRefusalNamesTheRole) {
  Caller alice{.user_id = "alice"};
  const absl::Status refused = RequireOperator(alice);
  EXPECT_THAT(refused, StatusIs(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(errors::ReasonOf(refused), "ROLE_REQUIRED");
  EXPECT_EQ(errors::ReasonMetadataOf(refused)["role"], "operator");
  alice.roles.push_back("operator");
  EXPECT_THAT(RequireOperator(alice), IsOk());
}

TEST(HeaderAuthenticatorTest, BelievesTheHeaders) {
  HeaderAuthenticator auth;
  std::vector<std::pair<std::string, std::string>> headers = {
      {"x-user-id", "alice"},
      {"x-user-email", "alice@studio.example"},
      {"x-user-roles", "operator, auditor"}};
  auto caller = auth.Authenticate(MetadataOf(headers));
  ASSERT_THAT(caller, IsOk()) << caller.status();
  EXPECT_EQ(caller->user_id, "alice");
  EXPECT_EQ(caller->verified_email, "alice@studio.example");
  EXPECT_THAT(caller->roles, ElementsAre("operator", "auditor"));
  EXPECT_EQ(caller->credentials.size(), 3u);
}

TEST(HeaderAuthenticatorTest, RefusesMissingRepeatedOrBadIds) {
  HeaderAuthenticator auth;
  std::vector<std::pair<std::string, std::string>> none;
  std::vector<std::pair<std::string, std::string>> twice = {{"x-user-id", "a"},
                                                            {"x-user-id", "b"}};
  std::vector<std::pair<std::string, std::string>> long_id = {
      {"x-user-id", std::string(129, 'a')}};
  // A member's name holds the id as one segment.
  std::vector<std::pair<std::string, std::string>> slash = {{"x-user-id", "a/b"}};
  std::vector<std::pair<std::string, std::string>> bad_email = {
      {"x-user-id", "a"}, {"x-user-email", "not-an-address"}};
  for (const auto* headers : {&none, &twice, &long_id, &slash, &bad_email}) {
    EXPECT_THAT(auth.Authenticate(MetadataOf(*headers)),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
}

// A go-between (accounts connecting an invitation) proves itself beside the
// user it carries, by the same authenticator, under its own prefix.
TEST(GoBetweenTest, ProvenBesideTheUserUnderItsPrefixOrAbsent) {
  HeaderAuthenticator auth;
  std::vector<std::pair<std::string, std::string>> both = {
      {"x-user-id", "alice"},
      {"x-user-email", "alice@studio.example"},
      {"x-clientbook-go-between-x-user-id", "clientbook-accounts"},
      {"x-clientbook-go-between-x-user-roles", "platform"}};
  absl::StatusOr<Caller> user = auth.Authenticate(MetadataOf(both));
  ASSERT_THAT(user, IsOk()) << user.status();
  EXPECT_EQ(user->user_id, "alice");
  EXPECT_TRUE(user->roles.empty());
  absl::StatusOr<std::optional<Caller>> go_between =
      AuthenticateGoBetween(auth, MetadataOf(both));
  ASSERT_THAT(go_between, IsOk()) << go_between.status();
  ASSERT_TRUE(go_between->has_value());
  EXPECT_EQ((*go_between)->user_id, "clientbook-accounts");
  EXPECT_THAT((*go_between)->roles, ElementsAre("platform"));

  std::vector<std::pair<std::string, std::string>> user_only(both.begin(),
                                                             both.begin() + 2);
  go_between = AuthenticateGoBetween(auth, MetadataOf(user_only));
  ASSERT_THAT(go_between, IsOk());
  EXPECT_FALSE(go_between->has_value());

  std::vector<std::pair<std::string, std::string>> unproven = {
      {"x-user-id", "alice"}, {"x-clientbook-go-between-x-user-roles", "platform"}};
  EXPECT_THAT(AuthenticateGoBetween(auth, MetadataOf(unproven)),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST(ViaTest, OneShortPrintableValueOrNone) {
  for (const std::string& good :
       {std::string(), std::string("import firms/1/importJobs/5"),
        std::string(256, 'v')}) {
    absl::StatusOr<std::string> via =
        ViaOf(good.empty() ? MetadataOf({}) : MetadataOf({{"x-clientbook-via", good}}));
    ASSERT_THAT(via, IsOk()) << via.status();
    EXPECT_EQ(*via, good);
  }
  for (const auto& bad : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"x-clientbook-via", std::string(257, 'v')}},
           {{"x-clientbook-via", ""}},
           {{"x-clientbook-via", "tab\there"}},
           {{"x-clientbook-via", "a"}, {"x-clientbook-via", "b"}}}) {
    EXPECT_THAT(ViaOf(MetadataOf(bad)), StatusIs(absl::StatusCode::kInvalidArgument));
  }
}

// The authenticator over a JWKS file, as a service runs it.
class JwtAuthenticatorTest : public ::testing::Test {
 protected:
  JwtAuthenticatorTest() : clock_(kNow), first_(JwtSigner::Kind::kRs256, "2026-11") {
    WriteKeys({first_.Jwk()});
  }

  void WriteKeys(const std::vector<Json>& keys) {
    // As a Secret or ConfigMap update lands: a new file renamed over the old.
    const std::string staged = dir_.Sub("jwks.json.new");
    Json set;
    set["keys"] = Json::array();
    for (const Json& key : keys) set["keys"].push_back(key);
    std::ofstream(staged) << set.dump();
    std::filesystem::rename(staged, dir_.Sub("jwks.json"));
  }

  std::unique_ptr<JwtAuthenticator> Create() {
    // The key file looked at on every call, as rotations here are instant.
    auto auth = JwtAuthenticator::Create(
        dir_.Sub("jwks.json"), {.issuer = "https://id.example", .audience = "clientbook"},
        clock_, absl::ZeroDuration());
    EXPECT_THAT(auth, IsOk()) << auth.status();
    return std::move(*auth);
  }

  static Metadata Bearer(const std::string& token) {
    Metadata m;
    static std::string value;
    value = "Bearer " + token;
    m.emplace("authorization", grpc::string_ref(value));
    return m;
  }

  testing::TempDir dir_;
  FakeClock clock_;
  JwtSigner first_;
};

TEST_F(JwtAuthenticatorTest, TheCallerIsTheTokensSubjectAndTheTokenIsForwarded) {
  auto auth = Create();
  const std::string token = first_.Sign(Claims());
  auto caller = auth->Authenticate(Bearer(token));
  ASSERT_THAT(caller, IsOk()) << caller.status();
  EXPECT_EQ(caller->user_id, "alice");
  ASSERT_EQ(caller->credentials.size(), 1u);
  EXPECT_EQ(caller->credentials[0].first, "authorization");
  EXPECT_EQ(caller->credentials[0].second, "Bearer " + token);
}

TEST_F(JwtAuthenticatorTest, HeaderIdentityIsNotEnough) {
  auto auth = Create();
  Metadata m;
  m.emplace("x-user-id", "alice");
  EXPECT_THAT(auth->Authenticate(m), StatusIs(absl::StatusCode::kUnauthenticated));
  Metadata basic;
  basic.emplace("authorization", "Basic YWxpY2U6c2VjcmV0");
  EXPECT_THAT(auth->Authenticate(basic), StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtAuthenticatorTest, ExpiryFollowsTheInjectedClock) {
  auto auth = Create();
  const std::string token = first_.Sign(Claims());
  ASSERT_THAT(auth->Authenticate(Bearer(token)), IsOk());
  clock_.Advance(absl::Minutes(6));
  EXPECT_THAT(auth->Authenticate(Bearer(token)),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
}

TEST_F(JwtAuthenticatorTest, KeysRotateWhileRunning) {
  auto auth = Create();
  JwtSigner next(JwtSigner::Kind::kEs256, "2026-12");
  const std::string old_token = first_.Sign(Claims());
  const std::string new_token = next.Sign(Claims());
  EXPECT_THAT(auth->Authenticate(Bearer(new_token)),
              StatusIs(absl::StatusCode::kUnauthenticated));

  WriteKeys({first_.Jwk(), next.Jwk()});  // the new key is published first
  EXPECT_THAT(auth->Authenticate(Bearer(new_token)), IsOk());
  EXPECT_THAT(auth->Authenticate(Bearer(old_token)), IsOk());

  WriteKeys({next.Jwk()});  // then the old one retired
  EXPECT_THAT(auth->Authenticate(Bearer(new_token)), IsOk());
  EXPECT_THAT(auth->Authenticate(Bearer(old_token)),
              StatusIs(absl::StatusCode::kUnauthenticated));

  std::ofstream(dir_.Sub("jwks.json")) << "{ half a file";  // a bad write
  EXPECT_THAT(auth->Authenticate(Bearer(new_token)), IsOk());
}

// Verified tokens are remembered (VerifiedTokenCache); what was remembered
// never outlives what the token was verified for.
TEST_F(JwtAuthenticatorTest, AWarmCacheRefusesATokenFromTheInstantItExpires) {
  auto auth = Create();
  const std::string token = first_.Sign(Claims());  // exp = kNow + 300 s
  ASSERT_THAT(auth->Authenticate(Bearer(token)), IsOk());
  clock_.Advance(absl::Seconds(300 + 30 - 1));  // the leeway is 30 s
  EXPECT_THAT(auth->Authenticate(Bearer(token)), IsOk());
  clock_.Advance(absl::Seconds(1));
  EXPECT_THAT(auth->Authenticate(Bearer(token)),
              StatusIs(absl::StatusCode::kUnauthenticated, "expired"));
}

TEST_F(JwtAuthenticatorTest, AWarmCacheRefusesATokenWhoseKeyWasRevoked) {
  auto auth = Create();
  const std::string token = first_.Sign(Claims());
  ASSERT_THAT(auth->Authenticate(Bearer(token)), IsOk());
  ASSERT_THAT(auth->Authenticate(Bearer(token)), IsOk());
  JwtSigner next(JwtSigner::Kind::kRs256, "2027-01");
  WriteKeys({next.Jwk()});
  EXPECT_THAT(auth->Authenticate(Bearer(token)),
              StatusIs(absl::StatusCode::kUnauthenticated));
}

TEST_F(JwtAuthenticatorTest, AWarmCacheRefusesTamperedCopiesOfAToken) {
  auto auth = Create();
  const std::string token = first_.Sign(Claims());
  ASSERT_THAT(auth->Authenticate(Bearer(token)), IsOk());
  std::vector<std::string> parts = absl::StrSplit(token, '.');
  ASSERT_EQ(parts.size(), 3u);
  // Another signature (a character well inside it), another payload.
  std::string signature = parts[2];
  signature[signature.size() / 2] = signature[signature.size() / 2] == 'A' ? 'B' : 'A';
  Json claims = Claims();
  claims["sub"] = "mallory";
  const std::string other = first_.Sign(claims);
  const std::string other_payload =
      std::vector<std::string>(absl::StrSplit(other, '.'))[1];
  for (const std::string& tampered :
       {absl::StrCat(parts[0], ".", parts[1], ".", signature),
        absl::StrCat(parts[0], ".", other_payload, ".", parts[2])}) {
    EXPECT_THAT(auth->Authenticate(Bearer(tampered)),
                StatusIs(absl::StatusCode::kUnauthenticated));
  }
  auto caller = auth->Authenticate(Bearer(token));
  ASSERT_THAT(caller, IsOk());
  EXPECT_EQ(caller->user_id, "alice");
}

TEST(VerifiedTokenCacheTest, StaysWithinItsCapacity) {
  VerifiedTokenCache cache(2);
  const VerifiedToken alice{.subject = "alice",
                            .accepted_until = kNow + absl::Minutes(5)};
  for (const char* token : {"a", "b", "c"})
    cache.Insert(cache.Key(token), 1, alice, kNow);
  EXPECT_TRUE(cache.Find(cache.Key("c"), 1, kNow).has_value());
  EXPECT_FALSE(cache.Find(cache.Key("d"), 1, kNow).has_value());
  int kept = 0;
  for (const char* token : {"a", "b", "c"})
    kept += cache.Find(cache.Key(token), 1, kNow).has_value();
  EXPECT_LE(kept, 2);
}

TEST_F(JwtAuthenticatorTest, ARotationIsNoticedWithinTheRecheckInterval) {
  auto auth = JwtAuthenticator::Create(
      dir_.Sub("jwks.json"), {.issuer = "https://id.example", .audience = "clientbook"},
      clock_, absl::Milliseconds(50));
  ASSERT_THAT(auth, IsOk());
  JwtSigner next(JwtSigner::Kind::kEs256, "2027-02");
  const std::string token = next.Sign(Claims());
  EXPECT_THAT((*auth)->Authenticate(Bearer(token)),
              StatusIs(absl::StatusCode::kUnauthenticated));
  WriteKeys({first_.Jwk(), next.Jwk()});
  // Within the interval the old set may still answer; after it, the new one.
  const absl::Time give_up = absl::Now() + absl::Seconds(5);
  while (!(*auth)->Authenticate(Bearer(token)).ok() && absl::Now() < give_up) {
  }
  EXPECT_THAT((*auth)->Authenticate(Bearer(token)), IsOk());
}

TEST_F(JwtAuthenticatorTest, AnUnusableKeySetStopsTheStart) {
  std::ofstream(dir_.Sub("empty.json")) << R"({"keys": []})";
  EXPECT_THAT(JwtAuthenticator::Create(dir_.Sub("empty.json"), {}, clock_),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(JwtAuthenticator::Create(dir_.Sub("missing.json"), {}, clock_),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace clientbook::auth
