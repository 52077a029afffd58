/// The library's name space for facts about itself.
public enum HRExport {
    /// The release. Month files record it (`created_by`, `hrexport.version`); `hrexport --version` adds the commit.
    public static let version = "0.3.0"
}
