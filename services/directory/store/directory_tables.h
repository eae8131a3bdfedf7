#ifndef CLIENTBOOK_SERVICES_DIRECTORY_STORE_DIRECTORY_TABLES_H_
#define CLIENTBOOK_SERVICES_DIRECTORY_STORE_DIRECTORY_TABLES_H_

// The directory's RocksDB, one table per key's first byte (key layout:
// common/keys/key_codec.h). Each entity's store owns its tables; the
// letters live here so that no two tables ever share one.
//
//   firms (rocksdb_firm_store)
//     F firm                                 -> FirmRecord
//     M firm user                            -> MemberRecord
//     U user firm                            -> ""  (ListMyFirms)
//     B user firm                            -> ""  (firms a user created)
//     m firm user                            -> RemovedMemberRecord (its
//                                               revisions go on if re-added)
//   clients (rocksdb_client_store)
//     C firm company                         -> ClientRecord
//     N firm number_key                      -> company (number uniqueness)
//     S firm scope facet name company        -> ""  (list by name; the
//                                               all-clients facet covers
//                                               the name and number)
//     O firm scope facet has? number company -> ""  (list by number)
//     W firm scope word name company         -> ""  (name search: a
//                                               short query word)
//     Y firm 'z' suffix name company         -> ""  (name search inside
//                                               words: each word and its
//                                               suffixes of 3+ characters;
//                                               every client, no 'a' scope)
//     D firm duplicate_key company           -> ""  (FindDuplicateClients)
//     G firm company                         -> MergedClientRecord
//   list views (rocksdb_list_view_store)
//     V firm user                            -> ListViewRecord
//   invitations (rocksdb_invitation_store)
//     I invitation                           -> InvitationRecord
//     T token                                -> invitation
//     E email_key invitation                 -> ""  (invitations to an email)
//     X inviter invitation                   -> ""  (invitations from a user)
//   notes and to-dos (workspace_keys.h has their index layout)
//     H firm note                            -> NoteRecord
//     h, w, p                                   a client's notes, note
//                                               words, deleted notes to purge
//     K firm todo                            -> TodoRecord
//     k                                         to-dos by due date
//   the write frame (rocksdb_directory_store)
//     Q scope caller request_id              -> RequestRecord (idempotency)
//     Z "id_limit" | "index_layout" |         -> next id block | index layouts
//       "note_words_layout"
//     L ...                                  -> the change log (change_log.h)
// A client's scope is 'a' (entries of active clients only) or 'z' (every
// client), so the default "hide inactive" listing is a plain range walk.
// 'R' held bare request ids before requests carried fingerprints: unread.
namespace clientbook::directory::tables {

inline constexpr char kFirm = 'F';
inline constexpr char kMember = 'M';
inline constexpr char kUserFirm = 'U';
inline constexpr char kCreatorFirm = 'B';
inline constexpr char kRemovedMember = 'm';

inline constexpr char kClient = 'C';
inline constexpr char kNumberOwner = 'N';
inline constexpr char kNameIndex = 'S';
inline constexpr char kNumberIndex = 'O';
inline constexpr char kWordIndex = 'W';
inline constexpr char kSuffixIndex = 'Y';
inline constexpr char kDuplicateIndex = 'D';
inline constexpr char kMergedClient = 'G';

inline constexpr char kListView = 'V';

inline constexpr char kInvitation = 'I';
inline constexpr char kInvitationToken = 'T';
inline constexpr char kInvitationToEmail = 'E';
inline constexpr char kInvitationFromUser = 'X';

inline constexpr char kNote = 'H';
inline constexpr char kClientNotes = 'h';
inline constexpr char kNoteWords = 'w';
inline constexpr char kNotePurge = 'p';
inline constexpr char kTodo = 'K';
inline constexpr char kTodoIndex = 'k';

inline constexpr char kRequest = 'Q';
inline constexpr char kMeta = 'Z';
inline constexpr char kChangeLog = 'L';

}  // namespace clientbook::directory::tables

#endif  // CLIENTBOOK_SERVICES_DIRECTORY_STORE_DIRECTORY_TABLES_H_
