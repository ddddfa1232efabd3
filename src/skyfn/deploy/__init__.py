"""Branch deploys to AWS Lambda through CloudFormation: bundle, template, deployer."""
