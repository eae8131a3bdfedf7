#ifndef CLIENTBOOK_TESTS_SUPPORT_LONGEST_PRODUCTS_H_
#define CLIENTBOOK_TESTS_SUPPORT_LONGEST_PRODUCTS_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clientbook/v1/directory.pb.h"

namespace clientbook::testing {

// 50 products of 100 characters, each of four bytes but the first three:
// what makes a client as large as the directory's rules allow (about 21 KB).
inline std::vector<std::string> LongestProducts() {
  std::vector<std::string> products;
  for (int p = 0; p < 50; ++p) {
    std::string product = absl::StrCat(10 + p, " ");
    for (int i = 0; i < 97; ++i) product += "\xF0\x9F\x98\x80";
    products.push_back(std::move(product));
  }
  return products;
}

// A CreateClient of a business client named `name` in `parent` (firms/…)
// with the LongestProducts().
inline v1::CreateClientRequest CreateLargestClient(const std::string& parent,
                                                   const std::string& name) {
  v1::CreateClientRequest req;
  req.set_parent(parent);
  req.mutable_client()->set_display_name(name);
  req.mutable_client()->set_client_type(v1::BUSINESS);
  for (std::string& product : LongestProducts()) {
    req.mutable_client()->add_products(std::move(product));
  }
  return req;
}

}  // namespace clientbook::testing

#endif  // CLIENTBOOK_TESTS_SUPPORT_LONGEST_PRODUCTS_H_
