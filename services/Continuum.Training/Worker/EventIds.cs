using System.Security.Cryptography;
using System.Text;

namespace Continuum.Training.Worker;

/// <summary>
/// Event ids derived from what happened (the job and how it ended), so an event published again after a
/// worker died mid-way carries the same id and subscribers drop the repeat.
/// </summary>
public static class EventIds
{
    public static string For(string resource, string happening)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{resource}#{happening}"));
        return new Guid(hash.AsSpan(0, 16)).ToString();
    }
}
