using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http.Features;

namespace SynapsePS.DevServer;

/// <summary>
/// A socket transport for Kestrel that receives into large pipe segments. Kestrel's own socket transport reads
/// at most one 4 KB pool block per recv, which for 50 MiB chunk bodies means hundreds of thousands of syscalls
/// and pipe round trips per GiB; here one recv takes up to 256 KiB. Kestrel's HTTP stack is unchanged.
/// Opt-in (--large-buffer-transport) for the benchmark's throughput runs; every other use gets stock Kestrel.
/// </summary>
internal sealed class LargeBufferTransportFactory : IConnectionListenerFactory
{
    public ValueTask<IConnectionListener> BindAsync(EndPoint endpoint, CancellationToken cancellationToken = default)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(endpoint);
        socket.Listen(512);
        return ValueTask.FromResult<IConnectionListener>(new Listener(socket));
    }

    private sealed class Listener(Socket socket) : IConnectionListener
    {
        public EndPoint EndPoint { get; } = socket.LocalEndPoint!;

        public async ValueTask<ConnectionContext?> AcceptAsync(CancellationToken cancellationToken = default)
        {
            try
            {
                var accepted = await socket.AcceptAsync(cancellationToken);
                accepted.NoDelay = true;
                return new Connection(accepted);
            }
            catch (Exception ex) when (ex is ObjectDisposedException or SocketException or OperationCanceledException)
            {
                return null;   // unbound
            }
        }

        public ValueTask UnbindAsync(CancellationToken cancellationToken = default)
        {
            socket.Close();
            return ValueTask.CompletedTask;
        }

        public ValueTask DisposeAsync()
        {
            socket.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private sealed class Connection : ConnectionContext
    {
        private const int ReceiveSize = 256 * 1024;
        private static readonly PipeOptions s_options = new(MemoryPool<byte>.Shared, minimumSegmentSize: ReceiveSize,
            pauseWriterThreshold: 4 * ReceiveSize, resumeWriterThreshold: 2 * ReceiveSize, useSynchronizationContext: false);

        private readonly Socket _socket;
        private readonly CancellationTokenSource _closed = new();
        private readonly Pipe _input = new(s_options);
        private readonly Pipe _output = new(s_options);
        private readonly Task _receiving;
        private readonly Task _sending;

        public Connection(Socket socket)
        {
            _socket = socket;
            LocalEndPoint = socket.LocalEndPoint;
            RemoteEndPoint = socket.RemoteEndPoint;
            Transport = new DuplexPipe(_input.Reader, _output.Writer);
            ConnectionClosed = _closed.Token;
            _receiving = ReceiveAsync();
            _sending = SendAsync();
        }

        public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");
        public override IFeatureCollection Features { get; } = new FeatureCollection();
        public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();
        public override IDuplexPipe Transport { get; set; }

        private async Task ReceiveAsync()
        {
            Exception? error = null;
            try
            {
                while (true)
                {
                    var memory = _input.Writer.GetMemory(ReceiveSize);
                    var n = await _socket.ReceiveAsync(memory, SocketFlags.None);
                    if (n == 0) break;
                    _input.Writer.Advance(n);
                    var flushed = await _input.Writer.FlushAsync();
                    if (flushed.IsCompleted || flushed.IsCanceled) break;
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                error = new ConnectionResetException(ex.Message, ex);
            }
            await _input.Writer.CompleteAsync(error);
            _closed.Cancel();
        }

        private async Task SendAsync()
        {
            try
            {
                while (true)
                {
                    var result = await _output.Reader.ReadAsync();
                    foreach (var segment in result.Buffer)
                        for (var sent = 0; sent < segment.Length;)
                            sent += await _socket.SendAsync(segment[sent..], SocketFlags.None);
                    _output.Reader.AdvanceTo(result.Buffer.End);
                    if (result.IsCompleted || result.IsCanceled) break;
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
            await _output.Reader.CompleteAsync();
            try { _socket.Shutdown(SocketShutdown.Send); } catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
        }

        public override void Abort(ConnectionAbortedException abortReason)
        {
            // A hard close (RST), as a dropped connection looks to the client.
            try { _socket.LingerState = new LingerOption(true, 0); } catch (Exception ex) when (ex is SocketException or ObjectDisposedException) { }
            // Closing the socket ends the receive loop, which completes Kestrel's input with an error; Kestrel's
            // own read must not be cancelled under it (it would re-read without advancing).
            _socket.Dispose();
            _output.Reader.CancelPendingRead();
        }

        public override async ValueTask DisposeAsync()
        {
            await _output.Writer.CompleteAsync();
            await _sending;
            _socket.Dispose();
            await _receiving;
            await _input.Reader.CompleteAsync();
            _closed.Dispose();
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
