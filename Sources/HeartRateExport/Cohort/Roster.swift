/// A study's roster: `study_id,source,user` per participant. The study's pseudonymous id names the participant's
/// export folder and fills its `user_id` column, so a dataset can leave the team without provider ids; the
/// provider's user id finds the credentials, the lock and the rate budget, which stay in the state folder.
public enum Roster {
    public static let header = "study_id,source,user"

    /// The roster at `path`; any bad line is a usage error naming the file and the line (exit 2).
    public static func load(_ path: String) throws(ExportError) -> [Cohort.Member] {
        guard let bytes = try FileSystem.read(path) else { throw .usage("--users \(Printable.quoted(path)): no such file") }
        guard let text = String(validating: bytes, as: UTF8.self) else { throw .usage("--users \(Printable.quoted(path)): not UTF-8 text") }
        return try parse(text, name: path)
    }

    /// The members a roster's text lists, in its order. Blank lines and lines starting with `#` are skipped.
    /// Refused: another header, a line without exactly three fields, an id outside the user id rule, a source
    /// without credentials (Takeout is imported, not synced), a study id given twice (also differing only in
    /// case: one folder on a case-insensitive disk), an account given twice (its token would have two writers).
    public static func parse(_ text: String, name: String) throws(ExportError) -> [Cohort.Member] {
        var members = [Cohort.Member]()
        var studyIDs = Set<String>(), accounts = Set<Cohort.Member>()
        var sawHeader = false
        // "\r\n" is one Character in Swift, and a newline: CRLF files split like LF ones.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { continue }
            func refuse(_ why: String) -> ExportError { .usage("--users \(name) line \(index + 1): \(why)") }
            guard sawHeader else {
                guard trimmed == header else { throw refuse("the first line must be the header `\(header)`, not \(Printable.quoted(String(trimmed)))") }
                sawHeader = true
                continue
            }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 3 else { throw refuse("\(fields.count) field(s); a participant is `study_id,source,user`") }
            let (studyID, sourceName, user) = (fields[0], fields[1], fields[2])
            guard UserID.isValid(studyID) else { throw refuse("study_id \(Printable.quoted(studyID)) is not an id (\(UserID.rule))") }
            guard let source = SourceKind(rawValue: sourceName), source.isAPI else {
                throw refuse("source \(Printable.quoted(sourceName)) is not fitbit or google (a Takeout archive is brought in with `hrexport import`)")
            }
            guard UserID.isValid(user) else { throw refuse("user \(Printable.quoted(user)) is not a user id (\(UserID.rule))") }
            guard studyIDs.insert(studyID.lowercased()).inserted else { throw refuse("study_id \(studyID) is listed twice (ids differing only in case are one folder)") }
            let member = Cohort.Member(source: source, user: user, studyID: studyID)
            guard accounts.insert(Cohort.Member(source: source, user: user)).inserted else {
                throw refuse("\(source.rawValue) user \(user) is listed twice; one account is one participant")
            }
            members.append(member)
        }
        guard sawHeader else { throw .usage("--users \(name): empty; the first line must be the header `\(header)`") }
        return members
    }
}
