using Continuum.Ml.Continual;
using static TorchSharp.torch;
using static Continuum.Tests.Ml.Continual.TinyModels;

namespace Continuum.Tests.Ml.Continual;

/// <summary>The LwF term T^2 * mean KL(softmax(teacher / T) || softmax(student / T)), checked by hand.</summary>
public sealed class DistillationObjectiveTests
{
    [Fact]
    public void DistillationLoss_SameLogits_ExactlyZero()
    {
        using var generator = new Generator(5);
        using var logits = randn([6, 4], generator: generator).mul(10);

        using var loss = DistillationObjective.DistillationLoss(logits, logits.clone(), temperature: 2);

        Assert.Equal(0f, loss.item<float>());
    }

    [Fact]
    public void DistillationLoss_TwoClassesTemperatureTwo_HandComputedKl()
    {
        using var student = tensor(new float[,] { { 0, 0 }, { 1, -1 } });
        using var teacher = tensor(new float[,] { { 2, 0 }, { 0, 0 } });

        using var loss = DistillationObjective.DistillationLoss(student, teacher, temperature: 2);

        // Divided by T = 2: row 0 compares p = softmax(1, 0) with q = (1/2, 1/2); row 1 p = (1/2, 1/2) with
        // q = softmax(1/2, -1/2). The loss is T^2 = 4 times the mean of the two KLs.
        var expected = 4 * (Kl(Softmax(1, 0), [0.5, 0.5]) + Kl([0.5, 0.5], Softmax(0.5, -0.5))) / 2;
        Assert.Equal(expected, loss.item<float>(), 6);
        Assert.True(expected > 0.1, $"expected {expected}");
    }

    [Fact]
    public void DistillationLoss_StudentWithMoreClasses_ComparedOnTheTeachersClasses()
    {
        using var student = tensor(new float[,] { { 2, 0, 5 } });
        using var teacher = tensor(new float[,] { { 2, 0 } });

        using var loss = DistillationObjective.DistillationLoss(student, teacher, temperature: 1);

        Assert.Equal(0f, loss.item<float>());
    }

    [Fact]
    public void Loss_StudentIsACopyOfTheTeacher_CrossEntropyAloneAndNoTeacherGradients()
    {
        float[,] weight = { { 0.5f, -0.3f }, { 0.2f, 0.4f } };
        float[] bias = [0.1f, -0.2f];
        using var teacher = Linear(weight, bias);
        using var student = Linear(weight, bias);
        var objective = new DistillationObjective(teacher, temperature: 2, weight: 10);
        using var inputs = tensor(new float[,] { { 1, 2 } });
        using var labels = tensor(new long[] { 0 });
        using var logits = student.forward(inputs);

        using var loss = objective.Loss(student, inputs, logits, labels);
        loss.backward();

        // z = (0.0, 0.8): -log softmax(z)_0 = log(1 + e^0.8); the distillation term is zero.
        Assert.Equal(Math.Log(1 + Math.Exp(0.8)), loss.item<float>(), 5);
        Assert.Null(teacher.weight!.grad);
        Assert.NotNull(student.weight!.grad);
        Assert.False(teacher.training);
    }

    [Fact]
    public void Loss_TeacherDisagrees_LargerThanTheCrossEntropy()
    {
        using var teacher = Linear(new float[,] { { -1, 1 }, { 1, -1 } }, [0, 0]);
        using var student = Linear(new float[,] { { 0.5f, -0.3f }, { 0.2f, 0.4f } }, [0.1f, -0.2f]);
        var objective = new DistillationObjective(teacher, temperature: 2, weight: 1);
        using var inputs = tensor(new float[,] { { 1, 2 } });
        using var labels = tensor(new long[] { 0 });
        using var logits = student.forward(inputs);

        using var loss = objective.Loss(student, inputs, logits, labels);

        // Student z = (0.0, 0.8), teacher z = (1, -1); over T = 2 that is p = softmax(0.5, -0.5), q = softmax(0, 0.4).
        var expected = Math.Log(1 + Math.Exp(0.8)) + 4 * Kl(Softmax(0.5, -0.5), Softmax(0, 0.4));
        Assert.Equal(expected, loss.item<float>(), 5);
    }

    [Fact]
    public void Constructor_ZeroTemperature_Refused()
    {
        using var teacher = Linear(new float[,] { { 1 } }, [0]);

        Assert.Throws<ArgumentOutOfRangeException>(() => new DistillationObjective(teacher, temperature: 0, weight: 1));
    }

    private static double Kl(double[] p, double[] q) =>
        p.Zip(q).Sum(pair => pair.First * Math.Log(pair.First / pair.Second));
}
