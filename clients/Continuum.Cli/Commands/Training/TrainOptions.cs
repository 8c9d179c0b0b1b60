using System.CommandLine;
using System.Globalization;
using Continuum.Cli.Commands.Models;
using Continuum.Registry.V1;
using Continuum.ServiceDefaults.Grpc;
using Continuum.Training.V1;
using SpecDevice = Continuum.Training.V1.Device;
using SpecOptimizer = Continuum.Training.V1.Optimizer;

namespace Continuum.Cli.Commands.Training;

/// <summary>
/// The flags of <c>continuum train</c>, and of a policy's training template (<see cref="ForTemplate"/>), which
/// builds its spec the same way. Only spellings a spec cannot hold are refused here (exit 2): an unknown
/// model or optimizer, a malformed list or reference. Numbers the server bounds, such as a learning rate of 0,
/// are sent as given, so that its field violation is the one answer and the two can never disagree.
/// </summary>
public sealed class TrainOptions
{
    public const string Mlp = "mlp";
    public const string Cnn = "cnn";

    public Option<string> Dataset { get; } = new("--dataset")
    {
        HelpName = "NAME@VERSION",
        Description = "Training data, NAME@VERSION (a number, a content hash prefix or latest; a bare NAME is "
            + "latest); several separated by commas.",
        Required = true,
    };

    public TrainOptions()
        : this("--model", required: true)
    {
    }

    private TrainOptions(string architectureFlag, bool required)
    {
        Model = Among(new Option<string>(architectureFlag)
        {
            Description = "The network: mlp or cnn.", Required = required,
        }, Mlp, Cnn);
        if (!required)
        {
            Model.DefaultValueFactory = _ => Mlp;
        }
    }

    /// <summary>
    /// The flags of a training template, for <c>policies create</c>: there <c>--model</c> is the registered model, so
    /// the network is <c>--architecture</c> (default mlp). Add them with <see cref="AddTemplateTo"/>.
    /// </summary>
    public static TrainOptions ForTemplate() => new("--architecture", required: false);

    /// <summary>The network: <c>--model</c> for <c>train</c>, <c>--architecture</c> in a template.</summary>
    public Option<string> Model { get; }

    public Option<string> Register { get; } = new("--register")
    {
        HelpName = "MODEL",
        Description = "Register the result as a new version of this model (created when missing).",
        Required = true,
    };

    public Option<int> Epochs { get; } = new("--epochs")
    {
        HelpName = "N",
        Description = "Passes over the data.", DefaultValueFactory = _ => 5,
    };

    public Option<double> LearningRate { get; } = new("--lr")
    {
        HelpName = "X",
        Description = "Initial learning rate.", DefaultValueFactory = _ => 0.001,
    };

    public Option<int> Batch { get; } = new("--batch")
    {
        HelpName = "N",
        Description = "Examples per batch.", DefaultValueFactory = _ => 64,
    };

    public Option<long> Seed { get; } = new("--seed")
    {
        HelpName = "N",
        Description = "Seed of initialisation, shuffling and dropout: same seed, data and spec on CPU, same weights.",
    };

    public Option<string> Optimizer { get; } = Among(new Option<string>("--optimizer")
    {
        Description = "adam, sgd or adamw.", DefaultValueFactory = _ => "adam",
    }, "adam", "sgd", "adamw");

    public Option<double> Momentum { get; } = new("--momentum")
    {
        HelpName = "X", Description = "SGD momentum, in [0, 1).",
    };

    public Option<double> WeightDecay { get; } = new("--weight-decay")
    {
        HelpName = "X",
        Description = "L2 penalty (decoupled for adamw).",
    };

    public Option<string?> Hidden { get; } = Sizes(new Option<string?>("--hidden")
    {
        HelpName = "W,W",
        Description = "Widths of the hidden layers, e.g. 256,128: the MLP's layers (default 256) or the CNN's "
            + "fully connected layers (default 128).",
    });

    public Option<string> Conv { get; } = Sizes(new Option<string>("--conv")
    {
        HelpName = "C,C",
        Description = "CNN: channels of each convolution block.", DefaultValueFactory = _ => "32,64",
    });

    public Option<int> Kernel { get; } = new("--kernel")
    {
        HelpName = "N",
        Description = "CNN: kernel size of the convolutions.", DefaultValueFactory = _ => 3,
    };

    public Option<double> Dropout { get; } = new("--dropout")
    {
        HelpName = "X", Description = "Dropout probability, in [0, 1).",
    };

    public Option<string> Schedule { get; } = Among(new Option<string>("--schedule")
    {
        Description = "Learning rate schedule: constant, step (times --gamma every --step-epochs) or cosine "
            + "(down to --min-lr).",
        DefaultValueFactory = _ => "constant",
    }, "constant", "step", "cosine");

    public Option<int?> StepEpochs { get; } = new("--step-epochs")
    {
        HelpName = "N",
        Description = "step schedule: epochs between decays (default a third of --epochs).",
    };

    public Option<double> Gamma { get; } = new("--gamma")
    {
        HelpName = "X",
        Description = "step schedule: factor at each decay.", DefaultValueFactory = _ => 0.1,
    };

    public Option<double> MinLearningRate { get; } = new("--min-lr")
    {
        HelpName = "X",
        Description = "cosine schedule: the learning rate reached at the end.",
    };

    public Option<string> Device { get; } = Among(new Option<string>("--device")
    {
        Description = "auto (CUDA when the worker has it), cpu or cuda.", DefaultValueFactory = _ => "auto",
    }, "auto", "cpu", "cuda");

    public Option<string?> From { get; } = new("--from")
    {
        HelpName = "MODEL@VERSION",
        Description = "Start from a model version: MODEL@VERSION or MODEL@ALIAS (e.g. digits@champion).",
    };

    public Option<string> Strategy { get; } = Among(new Option<string>("--strategy")
    {
        Description = "Continual-learning strategy: naive, replay, ewc, lwf or joint.",
        DefaultValueFactory = _ => "naive",
    }, "naive", "replay", "ewc", "lwf", "joint");

    public Option<int> ReplayBuffer { get; } = new("--replay-buffer")
    {
        HelpName = "N",
        Description = "replay: examples kept in the buffer.", DefaultValueFactory = _ => 2000,
    };

    public Option<double> EwcLambda { get; } = new("--ewc-lambda")
    {
        HelpName = "X",
        Description = "ewc: penalty strength.", DefaultValueFactory = _ => 100,
    };

    public Option<bool> AllowUnsafe { get; } = new("--allow-unsafe-scenario")
    {
        Description = "Run the strategy even where the detected scenario makes it unsafe.",
    };

    public Option<string?> Eval { get; } = new("--eval")
    {
        HelpName = "NAME@VERSION,...",
        Description = "Evaluate on the test split of these versions, NAME@VERSION,... (default: every task the "
            + "base model saw, then the training data).",
    };

    public Option<string?> RequestId { get; } = new("--request-id")
    {
        HelpName = "ID",
        Description = "An id of your choosing: sending it again returns the job it created instead of a new one.",
    };

    public Option<bool> ValidateOnly { get; } = new("--validate-only")
    {
        Description = "Check everything and print the job as it would be, queueing nothing.",
    };

    public Option<bool> Watch { get; } = new("--watch")
    {
        Description = "Follow the job to its end (see 'continuum jobs watch').",
    };

    public void AddTo(Command command)
    {
        Option[] all =
        [
            Dataset, Model, Register, Epochs, LearningRate, Batch, Seed, Optimizer, Momentum, WeightDecay, Hidden, Conv,
            Kernel, Dropout, Schedule, StepEpochs, Gamma, MinLearningRate, Device, From, Strategy, ReplayBuffer,
            EwcLambda, AllowUnsafe, Eval, RequestId, ValidateOnly, Watch,
        ];
        foreach (var option in all)
        {
            command.Options.Add(option);
        }

        command.Validators.Add(r =>
        {
            if (r.GetValue(From) is { } from && ModelReferences.Parse(from, out var problem) is null)
            {
                r.AddError($"--from {problem}");
            }

            if (r.GetValue(Register) is { } model && !ResourceIds.IsValid(Id(model)))
            {
                r.AddError($"--register '{model}' is not a valid model id ({ResourceIds.Rule}).");
            }

            if (r.GetValue(ValidateOnly) && r.GetValue(Watch))
            {
                r.AddError("--validate-only queues nothing, so there is nothing to --watch.");
            }
        });
    }

    /// <summary>
    /// Only the flags a template holds: the network, optimizer, schedule, batch, epochs, seed, device and strategy.
    /// Data, base version and registered model are the caller's (a policy fills them per arrival).
    /// </summary>
    public void AddTemplateTo(Command command)
    {
        Option[] template =
        [
            Model, Epochs, LearningRate, Batch, Seed, Optimizer, Momentum, WeightDecay, Hidden, Conv, Kernel, Dropout,
            Schedule, StepEpochs, Gamma, MinLearningRate, Device, Strategy, ReplayBuffer, EwcLambda, AllowUnsafe,
        ];
        foreach (var option in template)
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The spec the template flags describe, without data, base version or registered model.</summary>
    public TrainingSpec BuildTemplate(ParseResult parsed)
    {
        var epochs = parsed.GetValue(Epochs);
        return new TrainingSpec
        {
            Architecture = BuildArchitecture(parsed),
            Optimizer = new SpecOptimizer
            {
                Kind = parsed.GetValue(Optimizer) switch
                {
                    "sgd" => OptimizerKind.Sgd,
                    "adamw" => OptimizerKind.Adamw,
                    _ => OptimizerKind.Adam,
                },
                LearningRate = parsed.GetValue(LearningRate),
                Momentum = parsed.GetValue(Momentum),
                WeightDecay = parsed.GetValue(WeightDecay),
            },
            LearningRateSchedule = parsed.GetValue(Schedule) switch
            {
                "step" => new LearningRateSchedule
                {
                    Kind = ScheduleKind.Step,
                    StepEpochs = parsed.GetValue(StepEpochs) ?? Math.Max(1, epochs / 3),
                    Gamma = parsed.GetValue(Gamma),
                },
                "cosine" => new LearningRateSchedule
                {
                    Kind = ScheduleKind.Cosine, MinLearningRate = parsed.GetValue(MinLearningRate),
                },
                _ => new LearningRateSchedule { Kind = ScheduleKind.Constant },
            },
            BatchSize = parsed.GetValue(Batch),
            Epochs = epochs,
            Seed = parsed.GetValue(Seed),
            Device = parsed.GetValue(Device) switch
            {
                "cpu" => SpecDevice.Cpu,
                "cuda" => SpecDevice.Cuda,
                _ => SpecDevice.Auto,
            },
            Strategy = BuildStrategy(parsed),
            AllowUnsafeScenario = parsed.GetValue(AllowUnsafe),
        };
    }

    /// <summary><c>256,128</c>: positive widths separated by commas, or null.</summary>
    public static int[]? ParseSizes(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var sizes = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out sizes[i]) || sizes[i] < 1)
            {
                return null;
            }
        }

        return sizes;
    }

    private Architecture BuildArchitecture(ParseResult parsed)
    {
        var hidden = parsed.GetValue(Hidden) is { } h ? ParseSizes(h)! : null;
        var dropout = parsed.GetValue(Dropout);
        if (parsed.GetValue(Model) == Mlp)
        {
            return new Architecture
            {
                Mlp = new MlpArchitecture { HiddenSizes = { hidden ?? [256] }, Dropout = dropout },
            };
        }

        return new Architecture
        {
            Cnn = new CnnArchitecture
            {
                ConvChannels = { ParseSizes(parsed.GetValue(Conv)!)! },
                KernelSize = parsed.GetValue(Kernel),
                FullyConnectedSizes = { hidden ?? [128] },
                Dropout = dropout,
            },
        };
    }

    private ContinualStrategy BuildStrategy(ParseResult parsed) =>
        parsed.GetValue(Strategy) switch
        {
            "replay" => new ContinualStrategy
            {
                Replay = new ReplayStrategy { BufferSize = parsed.GetValue(ReplayBuffer) },
            },
            "ewc" => new ContinualStrategy
            {
                Ewc = new EwcStrategy { PenaltyStrength = parsed.GetValue(EwcLambda) },
            },
            "lwf" => new ContinualStrategy { Lwf = new LwfStrategy() },
            "joint" => new ContinualStrategy { Joint = new JointStrategy() },
            _ => new ContinualStrategy { Naive = new NaiveStrategy() },
        };

    private static string Id(string model) =>
        model.StartsWith("models/", StringComparison.Ordinal) ? model["models/".Length..] : model;

    private static Option<T> Among<T>(Option<T> option, params string[] values)
    {
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    private static Option<T> Sizes<T>(Option<T> option)
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens is [var t] && ParseSizes(t.Value) is null)
            {
                r.AddError($"{option.Name} takes positive widths separated by commas, e.g. 256,128; got '{t.Value}'.");
            }
        });
        return option;
    }
}
