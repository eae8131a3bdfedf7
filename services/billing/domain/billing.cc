// Reads, the frame every mutation shares, and plan/product changes.
#include "services/billing/domain/billing.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/requests/etag.h"
#include "common/requests/request_id.h"
#include "common/status/errors.h"
#include "services/billing/domain/rules.h"

namespace clientbook::billing {
namespace {

// Enum values the contract does not define (the API refuses them first;
// this keeps the domain safe for other callers).
template <typename Enum>
absl::Status CheckKnown(absl::string_view field, Enum value, bool (*is_valid)(int)) {
  if (!is_valid(value)) {
    return errors::InvalidField(field, absl::StrCat("unknown value ", value));
  }
  return absl::OkStatus();
}

}  // namespace

std::string LockScope(names::SubscriptionName ref) {
  return absl::StrCat("sub:", ref.firm_id, ":", ref.company_id);
}

absl::Status Billing::CheckActor(const auth::Caller& caller, names::SubscriptionName ref,
                                 Actor actor) {
  // The directory decides who may see the client at all, and shows it to
  // the firm's members and the company's primary admin only: whoever it
  // shows it to who is not that admin is a member. Only a primary admin
  // doing a member's work needs the firm asked too (asking it every call
  // was a second round trip to the directory for each read and change).
  absl::StatusOr<std::string> primary_admin =
      directory_.ClientPrimaryAdmin(caller, ref.firm_id, ref.company_id);
  if (!primary_admin.ok()) return primary_admin.status();
  const bool client_primary_admin = *primary_admin == caller.user_id;
  if (actor == Actor::kAnyone) return absl::OkStatus();
  if (actor == Actor::kClientPrimaryAdmin) {
    if (client_primary_admin) return absl::OkStatus();
    return errors::NotClientPrimaryAdmin(
        ref.client().ToString(), "only the client company's primary admin can do this");
  }
  if (!client_primary_admin) return absl::OkStatus();
  absl::Status member = directory_.CheckMember(caller, ref.firm_id);
  if (member.code() != absl::StatusCode::kPermissionDenied) return member;
  const std::string firm = ref.client().firm().ToString();
  return errors::NotAMember(absl::StrCat("only members of ", firm, " can do this"), firm,
                            caller.user_id);
}

absl::StatusOr<SubscriptionView> Billing::Mutate(const auth::Caller& caller,
                                                 names::SubscriptionName ref, Actor actor,
                                                 std::string operation,
                                                 absl::string_view request_id,
                                                 absl::string_view etag, bool creates,
                                                 const Change& change) {
  if (absl::Status s = requests::CheckStatus(request_id); !s.ok()) return s;
  operation = requests::Fingerprint(operation, ref.ToString());

  // The request id's own lock too: one id sent for two subscriptions at
  // once must still be one request. Without an id, only the subscription's,
  // so one caller's writes to different subscriptions run in parallel.
  auto guard =
      request_id.empty()
          ? locks_.Lock({LockScope(ref)})
          : locks_.Lock({LockScope(ref), requests::Scope(caller.user_id, request_id)});
  // The client is checked under the lock, as a check for a change: the
  // directory refuses it while a delete or merge removes the client, and
  // answers that removal's question (Get) only once this change is done.
  auth::Caller checking = caller;
  checking.for_change = true;
  if (absl::Status s = CheckActor(checking, ref, actor); !s.ok()) return s;
  const absl::Time now = clock_.Now();
  if (!request_id.empty()) {
    absl::StatusOr<std::optional<RequestRecord>> first =
        store_.FindRequest(caller.user_id, request_id);
    if (!first.ok()) return first.status();
    if (first->has_value()) {
      if (absl::Status s = requests::CheckSameRequest((*first)->operation(), operation);
          !s.ok()) {
        return s;
      }
      return ViewAt((*first)->result(), now);
    }
  }
  absl::StatusOr<std::optional<SubscriptionRecord>> stored =
      store_.Get(ref.firm_id, ref.company_id);
  if (!stored.ok()) return stored.status();
  if (creates && stored->has_value()) {
    return errors::AlreadyExists("clientbook.v1.Subscription", ref.ToString(),
                                 "the client already has a subscription; change it "
                                 "instead");
  }
  if (!creates && !stored->has_value()) {
    return errors::NotFound(ref.ToString(), "the client has no subscription yet");
  }
  if (stored->has_value()) {
    if (absl::Status s =
            requests::CheckEtagIfSent(ref.ToString(), etag, requests::EtagOf(**stored));
        !s.ok()) {
      return s;
    }
  }
  SubscriptionRecord record;
  if (stored->has_value()) {
    record = **stored;
  } else {
    record.set_firm_id(ref.firm_id);
    record.set_company_id(ref.company_id);
    record.set_create_time_us(absl::ToUnixMicros(now));
  }
  if (absl::Status s = change(record, now); !s.ok()) return s;
  if (stored->has_value() &&
      record.SerializeAsString() == (*stored)->SerializeAsString()) {
    return ViewAt(record, now);  // nothing to write: idempotent
  }
  Revise(record, absl::ToUnixMicros(now));

  std::optional<RequestEntry> request;
  if (!request_id.empty()) {
    request.emplace();
    request->caller = caller.user_id;
    request->request_id = std::string(request_id);
    request->record.set_operation(operation);
    *request->record.mutable_result() = record;
  }
  const SubscriptionRecord* before = stored->has_value() ? &**stored : nullptr;
  if (absl::Status s =
          store_.Commit(before, record, request,
                        {.actor = caller.user_id, .request_id = std::string(request_id)});
      !s.ok()) {
    return s;
  }
  return ViewAt(record, now);
}

absl::StatusOr<SubscriptionView> Billing::Get(const auth::Caller& caller,
                                              names::SubscriptionName ref) {
  if (absl::Status s = CheckActor(caller, ref, Actor::kAnyone); !s.ok()) return s;
  // After any change already checked (Mutate): the directory deletes or
  // merges a client on this answer.
  auto guard = locks_.Lock({LockScope(ref)});
  absl::StatusOr<std::optional<SubscriptionRecord>> stored =
      store_.Get(ref.firm_id, ref.company_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value()) {
    return errors::NotFound(ref.ToString(), "the client has no subscription yet");
  }
  return ViewAt(**stored, clock_.Now());
}

absl::StatusOr<bool> Billing::ClientGone(uint64_t firm_id, uint64_t company_id,
                                         uint64_t sequence) {
  return MarkClient({firm_id, company_id}, /*gone=*/true, sequence,
                    {.source = "directory"},
                    [](const SubscriptionRecord&) { return true; });
}

absl::StatusOr<bool> Billing::MarkClient(
    names::SubscriptionName ref, bool gone, uint64_t sequence,
    const changes::ChangeOrigin& origin,
    const std::function<bool(const SubscriptionRecord&)>& still_applies) {
  auto guard = locks_.Lock({LockScope(ref)});
  absl::StatusOr<std::optional<SubscriptionRecord>> stored =
      store_.Get(ref.firm_id, ref.company_id);
  if (!stored.ok()) return stored.status();
  if (!stored->has_value() || ((*stored)->client_gone_us() != 0) == gone ||
      !still_applies(**stored)) {
    return false;
  }
  SubscriptionRecord marked = **stored;
  const int64_t now = absl::ToUnixMicros(clock_.Now());
  marked.set_client_gone_us(gone ? now : 0);
  marked.set_client_gone_sequence(sequence);
  Revise(marked, now);
  if (absl::Status s = store_.Commit(&**stored, marked, std::nullopt, origin); !s.ok()) {
    return s;
  }
  return true;
}

void Billing::Revise(SubscriptionRecord& after, int64_t now_us) {
  after.set_update_time_us(now_us);
  after.set_revision(after.revision() + 1);
}

absl::StatusOr<Page<SubscriptionView>> Billing::List(const auth::Caller& caller,
                                                     uint64_t firm_id,
                                                     const SubscriptionFilter& filter,
                                                     const PageRequest& page) {
  if (absl::Status s = directory_.CheckMember(caller, firm_id); !s.ok()) return s;
  absl::StatusOr<storage::ListPage> list =
      storage::OpenPage(absl::StrCat("subscriptions|", firm_id, "|", filter.plan, "|",
                                     filter.trial_state, "|", filter.eligibility),
                        page);
  if (!list.ok()) return list.status();
  const absl::Time now = clock_.Now();
  auto matches = [&](const SubscriptionRecord& s) {
    if (s.client_gone_us() != 0) return false;
    if (filter.plan != v1::PLAN_UNSPECIFIED && s.plan() != filter.plan) return false;
    if (filter.trial_state != v1::TRIAL_STATE_UNSPECIFIED &&
        TrialStateAt(s, now) != filter.trial_state) {
      return false;
    }
    return filter.eligibility == v1::TRANSFER_ELIGIBILITY_UNSPECIFIED ||
           EligibilityAt(s, now) == filter.eligibility;
  };
  absl::StatusOr<StoredPage<SubscriptionRecord>> stored =
      store_.List(firm_id, list->cursor, list->size, kMaxExaminedPerPage, matches);
  if (!stored.ok()) return stored.status();
  Page<SubscriptionView> out;
  for (const SubscriptionRecord& s : stored->items) out.items.push_back(ViewAt(s, now));
  out.next_page_token = list->TokenFor(stored->cursor);
  return out;
}

absl::StatusOr<SubscriptionView> Billing::Subscribe(
    const auth::Caller& caller, names::SubscriptionName ref, v1::Plan plan,
    const std::vector<v1::Product>& products, v1::BillingPeriod billing_period,
    absl::string_view request_id) {
  if (plan == v1::PLAN_UNSPECIFIED) {
    return errors::InvalidField("subscription.plan", "is required");
  }
  if (absl::Status s = CheckKnown("subscription.plan", plan, v1::Plan_IsValid); !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckKnown("subscription.billing_period", billing_period,
                                  v1::BillingPeriod_IsValid);
      !s.ok()) {
    return s;
  }
  std::vector<v1::Product> sorted = products;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end()) {
    return errors::InvalidField("subscription.products", "lists a product twice");
  }
  if (absl::Status s = CheckPlanAllows(plan, products); !s.ok()) {
    return s;
  }
  return Mutate(caller, ref, Actor::kFirmMember,
                absl::StrCat("subscribe|", plan, "|", absl::StrJoin(sorted, ","), "|",
                             billing_period),
                request_id, /*etag=*/"", /*creates=*/true,
                [&](SubscriptionRecord& s, absl::Time now) {
                  s.set_plan(plan);
                  s.clear_products();
                  for (v1::Product p : products) s.add_products(p);
                  s.set_billing_period(billing_period == v1::BILLING_PERIOD_UNSPECIFIED
                                           ? v1::BillingPeriod::MONTHLY
                                           : billing_period);
                  if (plan == v1::Plan::DIRECT_DISCOUNT) {
                    s.set_trial_end_us(absl::ToUnixMicros(now + kTrialLength));
                  }
                  return absl::OkStatus();
                });
}

absl::StatusOr<SubscriptionView> Billing::AddProduct(const auth::Caller& caller,
                                                     names::SubscriptionName ref,
                                                     v1::Product product,
                                                     absl::string_view request_id,
                                                     absl::string_view etag) {
  return Mutate(caller, ref, Actor::kFirmMember, absl::StrCat("add-product|", product),
                request_id, etag, /*creates=*/false,
                [&](SubscriptionRecord& s, absl::Time) -> absl::Status {
                  if (HasProduct(s, product)) return absl::OkStatus();
                  std::vector<v1::Product> products = ProductsOf(s);
                  products.push_back(product);
                  if (absl::Status c = CheckPlanAllows(s.plan(), products); !c.ok()) {
                    return c;
                  }
                  s.add_products(product);
                  return absl::OkStatus();
                });
}

absl::StatusOr<SubscriptionView> Billing::RemoveProduct(const auth::Caller& caller,
                                                        names::SubscriptionName ref,
                                                        v1::Product product,
                                                        absl::string_view request_id,
                                                        absl::string_view etag) {
  return Mutate(caller, ref, Actor::kFirmMember, absl::StrCat("remove-product|", product),
                request_id, etag, /*creates=*/false,
                [&](SubscriptionRecord& s, absl::Time) {
                  auto* products = s.mutable_products();
                  products->erase(
                      std::remove(products->begin(), products->end(), product),
                      products->end());
                  return absl::OkStatus();
                });
}

absl::StatusOr<SubscriptionView> Billing::SetBillingPeriod(
    const auth::Caller& caller, names::SubscriptionName ref,
    v1::BillingPeriod billing_period, absl::string_view request_id,
    absl::string_view etag) {
  if (billing_period == v1::BILLING_PERIOD_UNSPECIFIED) {
    return errors::InvalidField("billing_period", "is required");
  }
  if (absl::Status s =
          CheckKnown("billing_period", billing_period, v1::BillingPeriod_IsValid);
      !s.ok()) {
    return s;
  }
  return Mutate(caller, ref, Actor::kFirmMember,
                absl::StrCat("billing-period|", billing_period), request_id, etag,
                /*creates=*/false, [&](SubscriptionRecord& s, absl::Time) {
                  s.set_billing_period(billing_period);
                  return absl::OkStatus();
                });
}

absl::StatusOr<SubscriptionView> Billing::AddPaymentMethod(const auth::Caller& caller,
                                                           names::SubscriptionName ref,
                                                           absl::string_view request_id,
                                                           absl::string_view etag) {
  return Mutate(caller, ref, Actor::kClientPrimaryAdmin, "add-payment-method", request_id,
                etag, /*creates=*/false, [&](SubscriptionRecord& s, absl::Time now) {
                  if (s.payment_method_on_file()) return absl::OkStatus();
                  s.set_payment_method_on_file(true);
                  s.set_payment_added_us(absl::ToUnixMicros(now));
                  return absl::OkStatus();
                });
}

absl::StatusOr<SubscriptionView> Billing::RemoveFromWholesale(
    const auth::Caller& caller, names::SubscriptionName ref, absl::string_view request_id,
    absl::string_view etag) {
  return Mutate(
      caller, ref, Actor::kFirmMember, "remove-from-wholesale", request_id, etag,
      /*creates=*/false, [&](SubscriptionRecord& s, absl::Time now) -> absl::Status {
        if (s.plan() != v1::Plan::WHOLESALE) {
          return errors::WithReason(absl::StatusCode::kFailedPrecondition,
                                    "NOT_ON_WHOLESALE",
                                    "the client is not on the firm's wholesale billing");
        }
        if (HasProduct(s, v1::Product::PAYROLL)) {
          return errors::WithReason(
              absl::StatusCode::kFailedPrecondition, "PAYROLL_REQUIRES_WHOLESALE",
              "payroll can only be on wholesale billing: remove PAYROLL first");
        }
        // Billing goes back to the client: a direct discount whose new
        // trial waits for the client's own payment information.
        s.set_plan(v1::Plan::DIRECT_DISCOUNT);
        s.set_trial_end_us(absl::ToUnixMicros(now + kTrialLength));
        s.set_payment_method_on_file(false);
        s.set_payment_added_us(0);
        s.set_lapse_recorded(false);
        return absl::OkStatus();
      });
}

}  // namespace clientbook::billing
