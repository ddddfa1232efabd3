"""Internal (not a public API): Branch deploys to AWS Lambda through CloudFormation: bundle, template, deployer."""
