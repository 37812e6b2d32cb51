@{
    RootModule             = 'SynapsePS.dll'
    ModuleVersion          = '0.1.0'
    GUID                   = '6f0c1d52-8a3e-4c61-9a57-2b8d3f9e4c17'
    Author                 = 'SynapsePS contributors'
    CompanyName            = 'SynapsePS contributors'
    Copyright              = '(c) SynapsePS contributors. MIT License.'
    Description            = 'Uploads large files to a Synapse backend in resumable, MD5-verified chunks: retries, resume after a crash, streaming with flat memory, parallel batches with live progress.'
    PowerShellVersion      = '5.1'
    CompatiblePSEditions   = @('Desktop', 'Core')
    DotNetFrameworkVersion = '4.7.2'
    FormatsToProcess       = @('SynapsePS.Format.ps1xml')
    TypesToProcess         = @('SynapsePS.Types.ps1xml')
    CmdletsToExport        = @(
        'Connect-Synapse'
        'Send-SynapseChunkedUpload'
        'Test-SynapseUploadFile'
        'Invoke-SynapseBatchUpload'
        'Get-SynapseUploadJournal'
        'Remove-SynapseUploadJournal'
        'Get-SynapseChunkedUpload'
    )
    FunctionsToExport      = @()
    AliasesToExport        = @()
    VariablesToExport      = @()
    PrivateData            = @{
        PSData = @{
            Tags         = @('Synapse', 'Upload', 'ChunkedUpload', 'Resumable', 'MD5', 'DataEngineering', 'PSEdition_Desktop', 'PSEdition_Core', 'Windows', 'Linux', 'MacOS')
            LicenseUri   = 'https://github.com/SynapsePS/SynapsePS/blob/main/LICENSE'
            ProjectUri   = 'https://github.com/SynapsePS/SynapsePS'
            ReleaseNotes = 'See CHANGELOG.md in the module folder.'
        }
    }
}
