// Files enter the engine through the batch (SingleFileUpload.UploadFileAsync is a call of one lane), so every test may name it.
global using SynapsePS.Batch;
