namespace Continuum.Data.Content;

/// <summary>
/// Uploaded data that cannot become a version. <see cref="Field"/> is the request field at fault (e.g.
/// <c>files[1]</c>); the description names the file, the row or byte offset, and what was expected.
/// The service answers it as InvalidArgument with one BadRequest field violation.
/// </summary>
public sealed class DataValidationException(string field, string description) : Exception($"{field}: {description}")
{
    public string Field { get; } = field;

    public string Description { get; } = description;
}
