using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Blobs;
using Continuum.ServiceDefaults.Grpc;
using Google.Protobuf.Collections;

namespace Continuum.Registry;

/// <summary>Checks of what callers send, each answering InvalidArgument on the field at fault.</summary>
public static class ModelValidation
{
    public const int MaxDescription = 10_000;
    public const int MaxTagValue = 256;
    public const int MaxTags = 64;
    private const int MaxDimensions = 8;
    private const int MaxClasses = 100_000;

    public static void Description(string description, string field)
    {
        if (description.Length > MaxDescription)
        {
            RpcErrors.ThrowInvalidArgument(field, $"is longer than {MaxDescription} characters.");
        }
    }

    /// <summary>Keys follow the naming rule; values are at most 256 characters without control characters.</summary>
    public static Dictionary<string, string> Tags(MapField<string, string> tags, string field)
    {
        if (tags.Count > MaxTags)
        {
            RpcErrors.ThrowInvalidArgument(field, $"has {tags.Count} tags; at most {MaxTags} are kept.");
        }

        foreach (var (key, value) in tags)
        {
            ResourceIds.Require(key, field);
            if (value.Length > MaxTagValue || value.Any(char.IsControl))
            {
                RpcErrors.ThrowInvalidArgument($"{field}[{key}]",
                    $"a value is at most {MaxTagValue} characters without control characters.");
            }
        }

        return new Dictionary<string, string>(tags, StringComparer.Ordinal);
    }

    /// <summary>The upload's metadata, checked before any byte of the artifact is accepted.</summary>
    public static void Upload(ModelVersionUpload upload)
    {
        var version = upload.ModelVersion;
        if (version is null)
        {
            RpcErrors.ThrowInvalidArgument("metadata.model_version", "is required.");
        }

        if (version.Architecture is null || version.Architecture.KindCase == Architecture.KindOneofCase.None)
        {
            RpcErrors.ThrowInvalidArgument("metadata.model_version.architecture", "is required.");
        }

        if (version.InputShape.Count is 0 or > MaxDimensions || version.InputShape.Any(d => d <= 0))
        {
            RpcErrors.ThrowInvalidArgument("metadata.model_version.input_shape",
                $"needs 1 to {MaxDimensions} positive dimensions, got [{string.Join(", ", version.InputShape)}].");
        }

        if (version.ClassCount is < 2 or > MaxClasses)
        {
            RpcErrors.ThrowInvalidArgument("metadata.model_version.class_count",
                $"must be between 2 and {MaxClasses}, got {version.ClassCount}.");
        }

        if (version.ClassNames.Count != 0 && version.ClassNames.Count != version.ClassCount)
        {
            RpcErrors.ThrowInvalidArgument("metadata.model_version.class_names",
                $"has {version.ClassNames.Count} names; give none or one per class ({version.ClassCount}).");
        }

        Description(version.Description, "metadata.model_version.description");
        Tags(version.Tags, "metadata.model_version.tags");
        if (!BlobAddress.IsValid(upload.ArtifactSha256))
        {
            RpcErrors.ThrowInvalidArgument("metadata.artifact_sha256", "is 64 lowercase hexadecimal digits.");
        }

        if (upload.ArtifactSizeBytes <= 0)
        {
            RpcErrors.ThrowInvalidArgument("metadata.artifact_size_bytes",
                $"must be positive, got {upload.ArtifactSizeBytes}.");
        }

        if (upload.ArtifactFormat == ArtifactFormat.Safetensors)
        {
            RpcErrors.ThrowInvalidArgument("metadata.artifact_format",
                "artifacts are stored in the TorchSharp format; safetensors is an export on download.");
        }

        if (upload.RequestId.Length > 200 || upload.RequestId.Any(char.IsControl))
        {
            RpcErrors.ThrowInvalidArgument("metadata.request_id", "is at most 200 characters without control ones.");
        }
    }
}
