using System.Text.RegularExpressions;

namespace Continuum.ServiceDefaults;

/// <summary>Short service names double as SQLite file names and PostgreSQL schemas, so they are kept plain.</summary>
public static partial class ServiceNames
{
    public static void Validate(string service)
    {
        if (!Pattern().IsMatch(service))
        {
            throw new ArgumentException($"Service name '{service}' must match {Pattern()}.", nameof(service));
        }
    }

    [GeneratedRegex("^[a-z][a-z0-9_]{0,30}$")]
    private static partial Regex Pattern();
}
