using Continuum.Ml.Training;
using static TorchSharp.torch;

namespace Continuum.Ml.Continual;

/// <summary>
/// Learning without Forgetting (Li and Hoiem 2017): the cross-entropy of the new task plus a term that keeps the
/// model's softened outputs close to those of a frozen copy of itself from before the task (the teacher), on
/// the new task's own inputs, so no old data is needed.
/// </summary>
/// <remarks>
/// The teacher is read, not owned: the caller disposes it after training. It must live on the student's
/// device, since it is fed the same input tensors.
/// </remarks>
public sealed class DistillationObjective : ITrainingObjective
{
    private readonly nn.Module<Tensor, Tensor> _teacher;
    private readonly double _temperature;
    private readonly double _weight;

    /// <param name="teacher">The model as it was before this task.</param>
    /// <param name="temperature">T, above 0: higher softens both distributions, so the small probabilities the
    /// teacher gives to wrong classes (what it knows about their likeness) weigh more.</param>
    /// <param name="weight">How much the distillation term weighs against the cross-entropy, at least 0.</param>
    public DistillationObjective(nn.Module<Tensor, Tensor> teacher, double temperature, double weight)
    {
        CheckTemperature(temperature);
        if (double.IsNaN(weight) || weight < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "The weight is at least 0.");
        }

        _teacher = teacher;
        _temperature = temperature;
        _weight = weight;
    }

    public Tensor Loss(nn.Module<Tensor, Tensor> model, Tensor inputs, Tensor logits, Tensor labels)
    {
        Tensor teacherLogits;
        // Evaluation mode every time: the teacher's answers must not depend on dropout or on batch statistics.
        _teacher.eval();
        using (no_grad())
        {
            teacherLogits = _teacher.forward(inputs);
        }

        return nn.functional.cross_entropy(logits, labels)
            .add(DistillationLoss(logits, teacherLogits, _temperature).mul(_weight));
    }

    /// <summary>
    /// T^2 times the batch mean of KL(softmax(teacher / T) || softmax(student / T)): exactly zero where the logits
    /// agree. The T^2 keeps the term's gradients the same size whatever the temperature (they shrink as 1/T^2).
    /// </summary>
    /// <param name="studentLogits">[batch, classes] with gradients.</param>
    /// <param name="teacherLogits">[batch, teacher classes], at most as many classes as the student; a student
    /// that has grown a larger head for new classes is compared on the teacher's (its first columns).</param>
    /// <param name="temperature">T, above 0.</param>
    public static Tensor DistillationLoss(Tensor studentLogits, Tensor teacherLogits, double temperature)
    {
        CheckTemperature(temperature);
        if (studentLogits.dim() != 2 || teacherLogits.dim() != 2 || studentLogits.shape[0] != teacherLogits.shape[0]
            || studentLogits.shape[1] < teacherLogits.shape[1])
        {
            throw new ArgumentException(
                $"Student logits [{string.Join(", ", studentLogits.shape)}] do not cover teacher logits " +
                $"[{string.Join(", ", teacherLogits.shape)}].", nameof(studentLogits));
        }

        var student = studentLogits.narrow(1, 0, teacherLogits.shape[1]);
        // Log-probabilities straight from the logits: a softmax that underflows to 0 would make log(0) = -inf.
        var teacherLog = teacherLogits.detach().div(temperature).log_softmax(1);
        var studentLog = student.div(temperature).log_softmax(1);
        var perExample = teacherLog.exp().mul(teacherLog.sub(studentLog)).sum(1);
        return perExample.mean().mul(temperature * temperature);
    }

    private static void CheckTemperature(double temperature)
    {
        if (!double.IsFinite(temperature) || temperature <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "The temperature is above 0.");
        }
    }
}
