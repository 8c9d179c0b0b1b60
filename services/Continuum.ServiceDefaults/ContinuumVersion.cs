using System.Reflection;

namespace Continuum.ServiceDefaults;

/// <summary>The version of Continuum a process runs (Directory.Build.props), as clients see it in answers.</summary>
public static class ContinuumVersion
{
    public static string Current { get; } =
        typeof(ContinuumVersion).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
            ?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
